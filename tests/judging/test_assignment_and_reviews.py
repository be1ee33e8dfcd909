"""Assignment at close through a real worker, conflicts and shortfalls, recusal, and review rules."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select, text

from app.accounts import services as accounts
from app.challenges import services as challenges
from app.core.access import Role
from app.core.errors import Conflict, PermissionDenied, ValidationFailed
from app.core.timeutil import utcnow
from app.extensions import db as database
from app.judging import assigning, panels, reviews
from app.judging import results as judging_results
from app.judging.models import Assignment
from app.notifications.models import Notification
from app.submissions.models import Submission


def _entries(db, scene, makers):
    rows = [
        Submission(
            challenge_id=scene.challenge.id,
            contributor_id=maker.id,
            alias=f"A{maker.id:03d}",
            title=f"E{index}",
        )
        for index, maker in enumerate(makers)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def _panel(scene, make_user, count, **caps):
    judges = []
    for index in range(count):
        judge = make_user(f"judge{index}@judges.example", Role.JUDGE, name=f"Judge {index}")
        member = panels.invite_judge(scene.challenge.id, scene.sponsor, judge.email)
        panels.respond_to_invitation(member.id, judge, accept=True, max_load=caps.get(f"cap{index}"))
        judges.append(judge)
    return judges


def _close(scene):
    """Close a challenge whose deadline and grace window are both past (test set-up), so the
    assignment job it schedules is due and a worker runs it."""
    scene.challenge.closes_at = utcnow() - current_app.config["SUBMISSION_GRACE"] - timedelta(seconds=1)
    database.session.commit()
    return challenges.close_if_due(scene.challenge.id)


def test_closing_assigns_k_judges_per_entry_in_a_real_worker_and_starts_judging(
    db, scene, make_user, run_worker
):
    judges = _panel(scene, make_user, 4)
    makers = [make_user(f"c{i}@outside.example") for i in range(6)]
    entries = _entries(db, scene, makers)
    assert _close(scene)
    run_worker()
    db.session.expire_all()
    assert challenges.get_challenge(scene.challenge.id).status == "judging"
    rows = db.session.scalars(select(Assignment).where(Assignment.status == "active")).all()
    per_entry = Counter(row.submission_id for row in rows)
    assert per_entry == {entry.id: 3 for entry in entries}
    loads = Counter(row.judge_id for row in rows)
    assert set(loads) <= {judge.id for judge in judges}
    assert max(loads.values()) - min(loads.values()) <= 1


def test_conflicted_pairs_are_never_assigned(db, scene, make_user):
    judges = _panel(scene, make_user, 4)
    own = _entries(db, scene, [judges[0]])[0]  # a judge's own entry
    report = make_user("report@outside.example")
    accounts.set_manager(report, judges[1])
    by_report = _entries(db, scene, [report])[0]
    challenges.close_if_due(scene.challenge.id, now=scene.challenge.closes_at)
    assigning.assign_judges(scene.challenge.id)
    pairs = {(row.judge_id, row.submission_id) for row in db.session.scalars(select(Assignment))}
    assert (judges[0].id, own.id) not in pairs
    assert (judges[1].id, by_report.id) not in pairs
    assert panels.is_conflicted(judges[0], own)


def test_a_panel_too_small_tells_the_sponsor_exactly_what_is_missing(db, scene, make_user):
    _panel(scene, make_user, 2)
    entries = _entries(db, scene, [make_user(f"c{i}@outside.example") for i in range(2)])
    _close(scene)
    outcome = assigning.assign_judges(scene.challenge.id)
    assert outcome.missing == {entries[0].alias: 1, entries[1].alias: 1}
    assert outcome.judges_needed == 1
    note = db.session.scalar(
        select(Notification).where(
            Notification.user_id == scene.sponsor.id, Notification.subject.like("More judges%")
        )
    )
    assert f"Entry {entries[0].alias} needs 1 more" in note.body
    assert "c0@outside.example" not in note.body


def test_recusal_replaces_the_judge_and_changes_nothing_else(db, scene, make_user, run_worker):
    judges = _panel(scene, make_user, 5)
    _entries(db, scene, [make_user(f"c{i}@outside.example") for i in range(4)])
    _close(scene)
    run_worker()
    db.session.expire_all()
    before = {
        (row.judge_id, row.submission_id)
        for row in db.session.scalars(select(Assignment).where(Assignment.status == "active"))
    }
    mine = db.session.scalar(
        select(Assignment).where(Assignment.judge_id == judges[0].id, Assignment.status == "active")
    )
    reviews.recuse(mine.id, judges[0], "I recognise this work")
    with pytest.raises(Conflict, match="already recused"):
        reviews.recuse(mine.id, judges[0])
    run_worker()
    db.session.expire_all()
    after = {
        (row.judge_id, row.submission_id)
        for row in db.session.scalars(select(Assignment).where(Assignment.status == "active"))
    }
    assert len(before - after) == 1 and len(after - before) == 1  # one pair out, one replacement in
    assert (judges[0].id, mine.submission_id) not in after
    assert sum(1 for _, entry in after if entry == mine.submission_id) == 3


@pytest.fixture
def judging(db, scene, make_user):
    judges = _panel(scene, make_user, 3)
    entry = _entries(db, scene, [make_user("c0@outside.example")])[0]
    _close(scene)
    assigning.assign_judges(scene.challenge.id)
    challenges.start_judging(scene.challenge.id, now=challenges.grace_ends_at(scene.challenge))
    rows = {row.judge_id: row for row in db.session.scalars(select(Assignment))}
    return judges, entry, rows


def _scores(scene, impact=7, clarity=8):
    first, second = scene.challenge.criteria
    return {str(first.id): impact, str(second.id): clarity}


def test_a_judge_saves_a_draft_then_submits_and_may_revise(db, scene, judging):
    judges, _entry, rows = judging
    assignment = rows[judges[0].id]
    first = scene.challenge.criteria[0]
    draft = reviews.save_review(assignment.id, judges[0], {str(first.id): 6}, comment_for_sponsor="Promising")
    assert draft.status == "draft"
    with pytest.raises(ValidationFailed, match="before submitting"):
        reviews.save_review(assignment.id, judges[0], {str(first.id): 6}, submit=True)
    review = reviews.save_review(assignment.id, judges[0], _scores(scene), submit=True)
    assert review.status == "submitted"
    assert judging_results.weighted_total(scene.challenge, review.scores) == pytest.approx(
        (2 * 7 + 1 * 8) / 3
    )
    revised = reviews.save_review(assignment.id, judges[0], _scores(scene, impact=9), submit=True)
    assert revised.scores[str(first.id)] == 9


def test_a_draft_in_flight_never_overwrites_the_review_the_judge_submitted(app, db, scene, judging):
    """The autosave script may still be sending a draft when the judge presses Submit. Here the
    submit holds the assignment's row (as the real one does) while a draft arrives on another
    connection; once the submit commits, the draft must be refused, not written over it."""
    judges, _entry, rows = judging
    assignment = rows[judges[0].id]
    first = scene.challenge.criteria[0]
    reviews.save_review(assignment.id, judges[0], {str(first.id): 6}, comment_for_contributor="Early")
    db.session.commit()
    outcome: dict[str, object] = {}

    def send_draft() -> None:
        with app.app_context():
            judge = db.session.get(type(judges[0]), judges[0].id)
            try:
                reviews.save_review(
                    assignment.id, judge, {str(first.id): 6}, comment_for_contributor="Clear and con"
                )
                outcome["draft"] = "saved"
            except Conflict as refusal:
                outcome["draft"] = str(refusal)
            finally:
                db.session.remove()

    with db.engine.connect() as submit:
        submit.execute(select(Assignment.id).where(Assignment.id == assignment.id).with_for_update())
        draft = threading.Thread(target=send_draft)
        draft.start()
        _wait_until_blocked(submit)
        submit.execute(
            text(
                "UPDATE reviews SET status = 'submitted', comment_for_contributor = 'Clear and convincing.' "
                "WHERE assignment_id = :id"
            ),
            {"id": assignment.id},
        )
        submit.commit()
    draft.join(timeout=30)
    db.session.expire_all()
    review = db.session.get(Assignment, assignment.id).review
    assert (review.status, review.comment_for_contributor) == ("submitted", "Clear and convincing.")
    assert "was submitted" in outcome["draft"]


def _wait_until_blocked(connection, timeout: float = 10.0) -> None:
    """Wait until another backend waits on a row lock, so the draft really is in flight."""
    deadline = time.monotonic() + timeout
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    while time.monotonic() < deadline:
        with connection.engine.connect() as probe:
            if probe.scalar(query):
                return
        time.sleep(0.05)
    raise AssertionError("the draft never waited for the submit's lock")


@pytest.mark.parametrize("bad", [0, 11, "seven", -3])
def test_scores_outside_the_scale_are_refused_and_change_nothing(db, scene, judging, bad):
    judges, _entry, rows = judging
    assignment = rows[judges[0].id]
    first = scene.challenge.criteria[0]
    with pytest.raises(ValidationFailed):
        reviews.save_review(assignment.id, judges[0], {str(first.id): bad})
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).review is None


def test_reviewing_an_entry_not_assigned_to_you_says_nothing_more(db, scene, judging, make_user):
    judges, _entry, rows = judging
    outsider = make_user("outsider@judges.example", Role.JUDGE)
    with pytest.raises(PermissionDenied) as refusal:
        reviews.save_review(rows[judges[0].id].id, outsider, _scores(scene))
    assert str(refusal.value) == reviews.NOT_YOURS
    with pytest.raises(PermissionDenied) as guessed:
        reviews.save_review(999_999, judges[0], _scores(scene))
    assert str(guessed.value) == reviews.NOT_YOURS


def test_a_judge_who_becomes_conflicted_can_no_longer_review(db, scene, judging, run_worker):
    judges, entry, rows = judging
    panels.declare_conflict(judges[0], email=entry.contributor.email)
    reviews.save_review(rows[judges[0].id].id, judges[0], _scores(scene))  # nothing changes until the run
    run_worker()  # the replacement run releases the entry and finds another judge
    db.session.expire_all()
    with pytest.raises(PermissionDenied):
        reviews.save_review(rows[judges[0].id].id, judges[0], _scores(scene))


def test_reviews_cannot_change_after_judging_closes(db, scene, judging):
    judges, _entry, rows = judging
    late = scene.challenge.judging_due_at + timedelta(seconds=1)
    with pytest.raises(Conflict, match="Judging has closed"):
        reviews.save_review(rows[judges[0].id].id, judges[0], _scores(scene), submit=True, now=late)


def test_colleagues_are_kept_apart_when_the_challenge_says_so(db, scene, make_user):
    scene.challenge.judges_conflict_with_own_org = True
    db.session.commit()
    judges = _panel(scene, make_user, 3)
    colleague_judge = make_user("colleague.judge@host.example", Role.JUDGE)  # the host organisation
    member = panels.invite_judge(scene.challenge.id, scene.sponsor, colleague_judge.email)
    panels.respond_to_invitation(member.id, colleague_judge, accept=True)
    entry = _entries(db, scene, [scene.inez])[0]  # inez works at the host organisation too
    _close(scene)
    assigning.assign_judges(scene.challenge.id)
    assigned = {row.judge_id for row in db.session.scalars(select(Assignment))}
    assert colleague_judge.id not in assigned
    assert assigned == {judge.id for judge in judges}
    assert panels.is_conflicted(colleague_judge, entry)
