"""Aggregation through a real worker once every review is in, the sponsor's proposed results by
alias, and extra reviews for flagged entries."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.awards import publication
from app.challenges import services as challenges
from app.core.access import Role
from app.core.audit import AuditEvent
from app.core.errors import Conflict, PermissionDenied
from app.judging import assigning, panels, reviews
from app.judging import results as judging_results
from app.judging.models import Assignment, EntryResult, JudgeCalibration
from app.submissions.models import Submission


@pytest.fixture
def judged_challenge(db, scene, make_user):
    """Six entries, four judges, k = 3, every review submitted with scores that follow the entries' quality."""
    judges = []
    for index in range(4):
        judge = make_user(f"j{index}@judges.example", Role.JUDGE, name=f"Judge Person {index}")
        member = panels.invite_judge(scene.challenge.id, scene.sponsor, judge.email)
        panels.respond_to_invitation(member.id, judge, accept=True)
        judges.append(judge)
    makers = [make_user(f"maker{index}@outside.example", name=f"Maker Secret{index}") for index in range(6)]
    entries = [
        Submission(
            challenge_id=scene.challenge.id,
            contributor_id=maker.id,
            alias=f"Q{index}X{index}",
            title=f"T{index}",
        )
        for index, maker in enumerate(makers)
    ]
    db.session.add_all(entries)
    db.session.commit()
    from app.core.timeutil import utcnow
    from app.submissions.models import SubmissionVersion

    for index, entry in enumerate(entries):
        db.session.add(
            SubmissionVersion(
                submission=entry,
                number=1,
                storage_key=f"submissions/fake-{index}",
                size_bytes=10,
                sha256="0" * 64,
                content_type="application/pdf",
                original_filename=f"secret-{index}.pdf",
                upload_started_at=utcnow(),
            )
        )
    db.session.commit()
    challenges.close_if_due(scene.challenge.id, now=scene.challenge.closes_at)
    assigning.assign_judges(scene.challenge.id)
    challenges.start_judging(scene.challenge.id, now=challenges.grace_ends_at(scene.challenge))
    return judges, entries


def _score_everything(scene, judges, entries, skip=None):
    quality = {entry.id: 3 + index for index, entry in enumerate(entries)}  # later entries are better
    first, second = scene.challenge.criteria
    for judge in judges:
        for assignment in reviews.assignments_of(judge):
            if skip and (judge.id, assignment.submission_id) == skip:
                continue
            value = quality[assignment.submission_id]
            reviews.save_review(
                assignment.id, judge, {str(first.id): value, str(second.id): value}, submit=True
            )


def test_the_last_review_triggers_aggregation_in_a_real_worker(
    db, redis, scene, judged_challenge, run_worker
):
    judges, entries = judged_challenge
    _score_everything(scene, judges, entries)
    run_worker()
    db.session.expire_all()
    assert challenges.get_challenge(scene.challenge.id).status == "results_proposed"
    results = judging_results.results_of(scene.challenge)
    assert [row.submission_id for row in results] == [entry.id for entry in reversed(entries)]
    assert results[0].place == 1 and results[0].review_count == 3
    assert all(0.0 <= row.p_prize <= 1.0 for row in results)
    assert len(db.session.scalars(select(JudgeCalibration)).all()) == 4


def test_aggregation_waits_while_reviews_are_missing(db, redis, scene, judged_challenge, run_worker):
    judges, entries = judged_challenge
    first_assignment = reviews.assignments_of(judges[0])[0]
    _score_everything(scene, judges, entries, skip=(judges[0].id, first_assignment.submission_id))
    run_worker()
    db.session.expire_all()
    assert challenges.get_challenge(scene.challenge.id).status == "judging"
    assert db.session.scalar(select(EntryResult)) is None


def test_the_sponsor_sees_the_proposal_by_alias_only(db, redis, scene, judged_challenge, login):
    judges, entries = judged_challenge
    _score_everything(scene, judges, entries)
    judging_results.aggregate(scene.challenge.id)
    page = login("sam@acme.example").get(f"/judging/results/{scene.challenge.slug}").get_data(as_text=True)
    assert f"Entry {entries[-1].alias}" in page and "Raw mean" in page and "<svg" in page
    for marker in ("Maker Secret", "maker0@outside.example", "secret-0.pdf"):
        assert marker not in page
    assert login("alice@outside.example").get(f"/judging/results/{scene.challenge.slug}").status_code == 403


def test_an_extra_review_goes_to_a_fresh_judge_and_reopens_judging(
    db, redis, scene, judged_challenge, make_user
):
    judges, entries = judged_challenge
    _score_everything(scene, judges, entries)
    judging_results.aggregate(scene.challenge.id)
    target = entries[0]
    already = {
        row.judge_id
        for row in db.session.scalars(select(Assignment).where(Assignment.submission_id == target.id))
    }
    extra = assigning.request_extra_review(scene.challenge.id, target.id, scene.sponsor)
    assert extra.judge_id not in already
    assert challenges.get_challenge(scene.challenge.id).status == "judging"
    with pytest.raises(Conflict):
        assigning.request_extra_review(scene.challenge.id, target.id, scene.sponsor)  # not while judging


def test_publishing_pays_the_winners_reveals_names_and_shows_contributors_their_scores(
    app, db, redis, scene, judged_challenge, login
):
    from app.ledger import posting as ledger
    from app.ledger.models import AccountKind, LedgerTransaction

    judges, entries = judged_challenge
    _score_everything(scene, judges, entries)
    judging_results.aggregate(scene.challenge.id)
    with pytest.raises(PermissionDenied):
        publication.publish_results(scene.challenge.id, scene.alice)
    sponsor = login("sam@acme.example")
    page = sponsor.get(f"/judging/results/{scene.challenge.slug}").get_data(as_text=True)
    from tests.conftest import extract_csrf

    response = sponsor.post(
        f"/judging/results/{scene.challenge.slug}/publish", data={"csrf_token": extract_csrf(page)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert challenges.get_challenge(scene.challenge.id).status == "awarded"
    award = db.session.scalar(select(LedgerTransaction).where(LedgerTransaction.kind == "award"))
    assert sum(entry.amount_minor for entry in award.entries) == 0
    escrow = ledger.account(AccountKind.ESCROW, "EUR", challenge_id=scene.challenge.id)
    assert ledger.balance(escrow) == 0
    best = entries[-1]  # the best entry won first prize: 50% of €10,000.00
    payable = ledger.account(AccountKind.PAYABLE, "EUR", user_id=best.contributor_id)
    assert ledger.balance(payable) == 500_000
    assert app.test_cli_runner().invoke(args=["ledger", "verify"]).exit_code == 0
    published_page = sponsor.get(f"/judging/results/{scene.challenge.slug}").get_data(as_text=True)
    assert "Maker Secret5" in published_page  # names appear only now
    owner = login("maker5@outside.example")
    mine = owner.get(f"/submissions/{best.id}").get_data(as_text=True)
    assert "Your scores" in mine and "Judge A" in mine and "Judge Person" not in mine
    judge_view = login("j0@judges.example").get(f"/judging/results/{scene.challenge.slug}")
    assert judge_view.status_code == 200
    again = sponsor.post(
        f"/judging/results/{scene.challenge.slug}/publish", data={"csrf_token": extract_csrf(page)}
    )
    # Publishing again is a success that says so: nothing is awarded twice, no second audit event.
    assert again.status_code == 302
    assert "already published" in sponsor.get(again.location).get_data(as_text=True)
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "judging.results_published")
        )
        == 1
    )
    assert (
        len(db.session.scalars(select(LedgerTransaction).where(LedgerTransaction.kind == "award")).all()) == 1
    )
