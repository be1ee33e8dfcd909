"""Judging never sticks: a deadline passing with entries nobody reviewed asks the sponsor once
(extend judging, invite judges, or accept results with those entries flagged) instead of queuing a
failing aggregation on every sweep; an extra review asked for after the deadline can be submitted;
a judge stepping away is told whether anyone can take the entry."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

from app.awards import publication
from app.challenges import services as challenges
from app.core.access import Role
from app.core.audit import AuditEvent
from app.core.timeutil import utcnow
from app.jobs import FAILED, JobRecord
from app.judging import assigning, overdue, panels, reviews
from app.judging import results as judging_results
from app.judging.models import Assignment, EntryResult
from app.notifications.models import Notification
from app.submissions.models import Submission, SubmissionVersion
from tests.conftest import extract_csrf
from tests.scenes import close_with_grace_over

AGGREGATE = "app.judging.jobs:aggregate_when_ready"


def _judging(db, scene, make_user, *, judges=1, entries=2):
    """A challenge being judged: ``judges`` judges, one judge per entry, ``entries`` entries."""
    panel = []
    for index in range(judges):
        judge = make_user(f"judge{index}@judges.example", Role.JUDGE, name=f"Judge {index}")
        member = panels.invite_judge(scene.challenge.id, scene.sponsor, judge.email)
        panels.respond_to_invitation(member.id, judge, accept=True)
        panel.append(judge)
    scene.challenge.judges_per_entry = 1
    makers = [make_user(f"maker{index}@outside.example", name=f"Maker {index}") for index in range(entries)]
    rows = [
        Submission(
            challenge_id=scene.challenge.id,
            contributor_id=maker.id,
            alias=f"E{index}X{index}",
            title=f"T{index}",
        )
        for index, maker in enumerate(makers)
    ]
    db.session.add_all(rows)
    db.session.commit()
    for index, entry in enumerate(rows):
        db.session.add(
            SubmissionVersion(
                submission=entry,
                number=1,
                storage_key=f"versions/fake-{index}",
                size_bytes=10,
                sha256="0" * 64,
                content_type="application/pdf",
                original_filename=f"e{index}.pdf",
                upload_started_at=utcnow(),
            )
        )
    db.session.commit()
    challenges.close_if_due(scene.challenge.id, now=scene.challenge.closes_at)
    challenges.start_judging(scene.challenge.id, now=challenges.grace_ends_at(scene.challenge))
    assigning.assign_judges(scene.challenge.id)
    return panel, rows


def _scores(scene, impact=7):
    first, second = scene.challenge.criteria
    return {str(first.id): impact, str(second.id): 8}


def _review(scene, judge, entry, impact=7):
    assignment = next(
        row
        for row in reviews.assignments_of(judge)
        if row.submission_id == entry.id and row.status == "active"
    )
    return reviews.save_review(assignment.id, judge, _scores(scene, impact), submit=True)


def _deadline_passes(db, scene):
    """Test set-up: the judging deadline is in the past."""
    scene.challenge.judging_due_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def _status(db, scene) -> str:
    db.session.expire_all()
    return challenges.get_challenge(scene.challenge.id).status


def _count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_deadline_with_an_unreviewed_entry_asks_the_sponsor_once_and_queues_nothing_more(
    db, scene, make_user, run_worker
):
    (judge,), (reviewed, unreviewed) = _judging(db, scene, make_user)
    _review(scene, judge, reviewed)
    _deadline_passes(db, scene)

    challenges.sweep_due_transitions()
    run_worker()
    assert _status(db, scene) == "judging_overdue"
    assert _count(db, EntryResult) == 0  # nothing ranked without the unreviewed entry
    note = db.session.scalar(select(Notification).where(Notification.subject.like("Judging overdue%")))
    assert f"1 entry has no review (Entry {unreviewed.alias})" in note.body
    assert "extend judging, invite more judges, or accept the results" in note.body

    for _ in range(3):  # later sweeps leave it to the sponsor: no more jobs, none failing
        challenges.sweep_due_transitions()
    run_worker()
    assert _count(db, JobRecord, JobRecord.kind == AGGREGATE, JobRecord.status == FAILED) == 0
    assert _count(db, JobRecord, JobRecord.kind == AGGREGATE) <= 2  # the one scheduled at start, the sweep's
    assert _count(db, AuditEvent, AuditEvent.action == "judging.overdue") == 1


def test_with_no_review_at_all_the_page_offers_only_more_time_or_judges(
    db, scene, make_user, run_worker, login
):
    _judging(db, scene, make_user)
    _deadline_passes(db, scene)
    challenges.sweep_due_transitions()
    run_worker()
    assert _count(db, JobRecord, JobRecord.status == FAILED) == 0
    page = login(scene.sponsor.email).get(f"/judging/results/{scene.challenge.slug}").get_data(as_text=True)
    assert "Judging is overdue" in page
    assert "2 entries have no review: Entry E0X0, Entry E1X1." in page
    assert "No review has been submitted at all, so there are no results to accept" in page
    assert "Accept results with these entries flagged" not in page
    assert "nothing is ranked until the sponsor chooses what happens" in page
    assert "at the judging deadline" not in page  # it has passed: the page no longer promises results then
    note = db.session.scalar(select(Notification).where(Notification.subject.like("Judging overdue%")))
    assert "no review was submitted" in note.body and "accept" not in note.body  # no choice it cannot keep
    with pytest.raises(Exception, match="No review has been submitted"):
        judging_results.aggregate(scene.challenge.id, accepted_by=scene.sponsor)


def test_a_challenge_that_closes_with_no_entry_asks_the_sponsor_at_once_and_can_be_cancelled(
    db, scene, make_user, run_worker, login
):
    """It used to stay in judging for good: the aggregation at the deadline failed (no review) and
    the bounty stayed in escrow."""
    assert close_with_grace_over(scene.challenge)
    run_worker()  # the assignment after the grace window finds nothing to judge
    assert _status(db, scene) == "judging_overdue"
    assert _count(db, JobRecord, JobRecord.status == FAILED) == 0
    note = db.session.scalar(select(Notification).where(Notification.subject.like("Judging overdue%")))
    assert "No entry arrived before the deadline, so there is nothing to judge" in note.body
    browser = login(scene.sponsor.email)
    page = browser.get(f"/judging/results/{scene.challenge.slug}").get_data(as_text=True)
    assert "nothing to judge" in page and "Extend judging" not in page and "Accept results" not in page
    assert f'href="/challenges/{scene.challenge.slug}/manage#cancel"' in page
    manage = browser.get(f"/challenges/{scene.challenge.slug}/manage").get_data(as_text=True)
    assert 'id="cancel"' in manage
    browser.post(
        f"/challenges/{scene.challenge.slug}/cancel",
        data={"cancel-csrf_token": extract_csrf(manage), "cancel-reason": "No entries arrived."},
    )
    assert _status(db, scene) == "cancelled"


def test_accepting_lists_the_unreviewed_entry_last_flagged_and_it_wins_nothing(db, scene, make_user, login):
    (judge,), (reviewed, unreviewed) = _judging(db, scene, make_user)
    _review(scene, judge, reviewed)
    _deadline_passes(db, scene)
    assert overdue.mark_overdue(scene.challenge.id)
    sponsor = login(scene.sponsor.email)
    page = sponsor.get(f"/judging/results/{scene.challenge.slug}").get_data(as_text=True)
    assert f"1 entry has no review: Entry {unreviewed.alias}." in page
    accepted = sponsor.post(
        f"/judging/results/{scene.challenge.slug}/accept", data={"csrf_token": extract_csrf(page)}
    )
    assert accepted.status_code == 302
    shown = sponsor.get(accepted.location).get_data(as_text=True)
    assert "entries with no review are listed last, flagged, and win no prize" in shown
    assert "No judge reviewed it: it is listed last, unranked, and wins no prize." in shown
    last_row = shown.split("<tbody>", 1)[1].split("</tr>")[-2]
    assert f"Entry {unreviewed.alias}" in last_row and "<td>Unranked</td>" in last_row  # not "2"
    rows = {row.submission_id: row for row in judging_results.results_of(scene.challenge)}
    assert rows[unreviewed.id].flags == ["unreviewed"] and rows[unreviewed.id].place > rows[reviewed.id].place
    again = sponsor.post(
        f"/judging/results/{scene.challenge.slug}/accept", data={"csrf_token": extract_csrf(page)}
    )
    assert "Results were already proposed." in sponsor.get(again.location).get_data(as_text=True)

    publication.publish_results(scene.challenge.id, scene.sponsor)
    db.session.expire_all()
    result = db.session.scalar(
        select(Notification).where(
            Notification.user_id == unreviewed.contributor_id, Notification.subject.like("Results%")
        )
    )
    assert "received no review from the judges, so it was not ranked" in result.body
    winner = db.session.scalar(
        select(Notification).where(
            Notification.user_id == reviewed.contributor_id, Notification.subject.like("Results%")
        )
    )
    assert "placed 1 and wins" in winner.body


def test_extending_judging_lets_the_judge_finish_and_results_follow(db, scene, make_user, login, run_worker):
    (judge,), (first, second) = _judging(db, scene, make_user)
    _review(scene, judge, first)
    _deadline_passes(db, scene)
    overdue.mark_overdue(scene.challenge.id)
    sponsor = login(scene.sponsor.email)
    page = sponsor.get(f"/judging/results/{scene.challenge.slug}").get_data(as_text=True)
    forever = sponsor.post(
        f"/judging/results/{scene.challenge.slug}/extend",
        data={"extend-csrf_token": extract_csrf(page), "extend-judging_due_at": "9999-12-31T23:59"},
    )
    assert forever.status_code == 422  # the bounty would sit in escrow for 7,973 years
    assert "at most 365 days from now" in forever.get_data(as_text=True)
    assert _status(db, scene) == "judging_overdue"
    new_due = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")  # the sponsor's zone is UTC here
    extended = sponsor.post(
        f"/judging/results/{scene.challenge.slug}/extend",
        data={"extend-csrf_token": extract_csrf(page), "extend-judging_due_at": new_due},
    )
    assert extended.status_code == 302
    assert "Judging runs until" in sponsor.get(extended.location).get_data(as_text=True)
    assert _status(db, scene) == "judging"
    _review(scene, judge, second)  # possible again before the new deadline
    run_worker()  # the last review in: results are proposed with both entries
    db.session.expire_all()
    assert _status(db, scene) == "results_proposed"
    assert {row.submission_id for row in judging_results.results_of(scene.challenge)} == {first.id, second.id}


def test_an_extra_review_asked_after_the_deadline_can_be_submitted(db, scene, make_user):
    _judges, (first, second) = _judging(db, scene, make_user, judges=2)
    for entry in (first, second):
        assignment = db.session.scalar(select(Assignment).where(Assignment.submission_id == entry.id))
        _review(scene, assignment.judge, entry)
    judging_results.aggregate(scene.challenge.id)
    _deadline_passes(db, scene)
    extra = assigning.request_extra_review(scene.challenge.id, first.id, scene.sponsor)
    challenge = challenges.get_challenge(scene.challenge.id)
    assert challenge.judging_due_at > utcnow() + timedelta(hours=23)  # a day to do it
    assert challenges.sweep_due_transitions()["judging_due"] == 0  # no proposal without it meanwhile
    review = reviews.save_review(extra.id, extra.judge, _scores(scene, 9), submit=True)
    assert review.status == "submitted"


def test_a_judge_stepping_away_with_nobody_free_is_told_so_and_the_sponsor_asked(db, scene, make_user, login):
    (judge,), (entry, _other) = _judging(db, scene, make_user)
    assignment = db.session.scalar(select(Assignment).where(Assignment.submission_id == entry.id))
    browser = login(judge.email)
    page = browser.get(f"/judging/entries/{assignment.id}").get_data(as_text=True)
    stepped = browser.post(
        f"/judging/entries/{assignment.id}/recuse", data={"csrf_token": extract_csrf(page)}
    )
    shown = browser.get(stepped.location).get_data(as_text=True)
    assert "No other judge on the panel is free to take it yet; the sponsor was asked to invite one." in shown
    assert "another judge on the panel will take it" not in shown
    asked = db.session.scalar(
        select(Notification).where(Notification.subject.like("An entry needs a judge%"))
    )
    assert asked.user_id == scene.sponsor.id and f"Entry {entry.alias}" in asked.body


def test_a_judge_who_accepts_while_judging_runs_takes_the_entry_left_without_one(
    db, scene, make_user, login, run_worker
):
    (judge,), (entry, _other) = _judging(db, scene, make_user)
    assignment = db.session.scalar(select(Assignment).where(Assignment.submission_id == entry.id))
    reviews.recuse(assignment.id, judge)
    run_worker()  # nobody is free: the entry waits without a judge
    newcomer = make_user("late@judges.example", Role.JUDGE, name="Late Judge")
    member = panels.invite_judge(scene.challenge.id, scene.sponsor, newcomer.email)
    panels.respond_to_invitation(member.id, newcomer, accept=True)
    run_worker()
    db.session.expire_all()
    holders = db.session.scalars(
        select(Assignment.judge_id).where(Assignment.submission_id == entry.id, Assignment.status == "active")
    ).all()
    assert holders == [newcomer.id]


def test_a_judge_stepping_away_with_a_free_judge_is_told_another_will_take_it(db, scene, make_user, login):
    _judges, (entry, _other) = _judging(db, scene, make_user, judges=3)
    assignment = db.session.scalar(select(Assignment).where(Assignment.submission_id == entry.id))
    browser = login(assignment.judge.email)
    page = browser.get(f"/judging/entries/{assignment.id}").get_data(as_text=True)
    stepped = browser.post(
        f"/judging/entries/{assignment.id}/recuse", data={"csrf_token": extract_csrf(page)}
    )
    assert "another judge on the panel will take it" in browser.get(stepped.location).get_data(as_text=True)


def test_an_aggregation_that_failed_is_not_queued_again_by_every_sweep(db, scene, make_user):
    _judging(db, scene, make_user)
    _deadline_passes(db, scene)
    record = db.session.scalar(select(JobRecord).where(JobRecord.kind == AGGREGATE))
    record.status = FAILED  # as after RQ's retries of a job that kept failing
    db.session.commit()
    for _ in range(3):
        challenges.sweep_due_transitions()
    # Left for an administrator's retry (or the sweep an hour later), not one more failure per sweep.
    assert _count(db, JobRecord, JobRecord.kind == AGGREGATE) == 1


def test_extending_twice_to_the_same_moment_says_so_in_utc_whatever_zone_it_was_given_in(
    db, scene, make_user
):
    from zoneinfo import ZoneInfo

    from app.core.errors import AlreadyDone

    _judging(db, scene, make_user)
    _deadline_passes(db, scene)
    overdue.mark_overdue(scene.challenge.id)
    in_tokyo = (
        (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0).astimezone(ZoneInfo("Asia/Tokyo"))
    )
    overdue.extend_judging(scene.challenge.id, scene.sponsor, in_tokyo)
    with pytest.raises(AlreadyDone) as done:
        overdue.extend_judging(scene.challenge.id, scene.sponsor, in_tokyo)
    assert f"{in_tokyo.astimezone(UTC):%Y-%m-%d %H:%M} UTC" in str(done.value)
