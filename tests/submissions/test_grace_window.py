"""The grace window is kept: an upload started before the deadline may finalize until the grace
window ends, judging starts only after it, and every accepted entry gets its judges."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.challenges import services as challenges
from app.core.access import Role
from app.core.timeutil import utcnow
from app.jobs import JobRecord
from app.judging import jobs as judging_jobs
from app.judging import panels
from app.judging.models import Assignment
from app.submissions import services
from app.submissions.models import Submission
from tests.submissions.conftest import PDF, send_post

GRACE_SECONDS = 3


@pytest.fixture
def short_grace(app):
    saved = app.config["SUBMISSION_GRACE"]
    app.config["SUBMISSION_GRACE"] = timedelta(seconds=GRACE_SECONDS)
    yield
    app.config["SUBMISSION_GRACE"] = saved


def _one_judge_panel(db, scene, make_user):
    judge = make_user("judy@judges.example", Role.JUDGE, name="Judy")
    member = panels.invite_judge(scene.challenge.id, scene.sponsor, judge.email)
    panels.respond_to_invitation(member.id, judge, accept=True)
    scene.challenge.judges_per_entry = 1
    db.session.commit()
    return judge


def _started(app, scene, user, now=None):
    ticket = services.start_upload(
        scene.challenge.id,
        user,
        filename="entry.pdf",
        size=len(PDF),
        content_type="application/pdf",
        title="T",
        now=now,
    )
    send_post(app, ticket, PDF)
    return ticket


def _deadline_arrives(db, scene):
    """Test set-up: the deadline is now (the uploads above started before it)."""
    scene.challenge.closes_at = utcnow()
    db.session.commit()


def _assigned_entries(db) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(Assignment.submission_id).where(Assignment.status == "active")))


@pytest.mark.parametrize("backend", ["s3"], indirect=True)
def test_an_upload_started_in_time_finalizes_in_the_grace_window_and_gets_a_judge(
    app, db, backend, scene, make_user, run_worker, short_grace
):
    _one_judge_panel(db, scene, make_user)
    early = _started(app, scene, scene.alice)
    services.finalize_upload(early.upload_id, scene.alice)
    in_flight = _started(app, scene, scene.bob)
    _deadline_arrives(db, scene)
    assert challenges.close_if_due(scene.challenge.id)
    # The assignment job, run seconds after closing (as a worker would), must not start judging yet.
    assert "rescheduled" in judging_jobs.assign_after_close(scene.challenge.id)
    assert challenges.get_challenge(scene.challenge.id).status == "closed"

    late = services.finalize_upload(in_flight.upload_id, scene.bob)  # within the grace window
    assert late.number == 1

    ends = challenges.grace_ends_at(challenges.get_challenge(scene.challenge.id))
    while utcnow() < ends:  # the scheduled assignment is due once the grace window is over
        time.sleep(0.1)
    run_worker(SUBMISSION_GRACE_SECONDS=str(GRACE_SECONDS))
    db.session.expire_all()
    assert challenges.get_challenge(scene.challenge.id).status == "judging"
    entries = set(db.session.scalars(select(Submission.id)))
    assert len(entries) == 2
    assert _assigned_entries(db) == entries  # every accepted entry has its judge


@pytest.mark.parametrize("backend", ["local"], indirect=True)
def test_an_entry_recorded_after_judging_started_still_gets_a_judge(
    app, db, backend, scene, make_user, run_worker
):
    """Its checks began inside the grace window, but a long copy let judging start meanwhile."""
    _one_judge_panel(db, scene, make_user)
    closes = scene.challenge.closes_at
    ticket = _started(app, scene, scene.alice, now=closes - timedelta(minutes=1))
    challenges.close_if_due(scene.challenge.id, now=closes)
    challenges.start_judging(scene.challenge.id, now=closes + timedelta(minutes=15))  # grace is over

    version = services.finalize_upload(ticket.upload_id, scene.alice, now=closes + timedelta(minutes=14))
    run_worker()
    assert _assigned_entries(db) == {version.submission_id}


def test_judging_cannot_start_inside_the_grace_window(db, scene):
    closes = scene.challenge.closes_at
    challenges.close_if_due(scene.challenge.id, now=closes)
    with pytest.raises(Exception, match="may still finish until"):
        challenges.start_judging(scene.challenge.id, now=closes + timedelta(minutes=14))
    assert challenges.get_challenge(scene.challenge.id).status == "closed"


def test_the_sweep_starts_judging_whose_job_was_lost_and_never_queues_it_twice(
    app, db, redis, scene, make_user, run_worker
):
    _one_judge_panel(db, scene, make_user)
    entry = Submission(
        challenge_id=scene.challenge.id, contributor_id=scene.alice.id, alias="L0ST", title="T"
    )
    db.session.add(entry)
    scene.challenge.closes_at = utcnow() - timedelta(minutes=20)  # deadline and grace both past
    db.session.commit()
    challenges.close_if_due(scene.challenge.id)
    redis.flushdb()  # the scheduled assignment job is lost with Redis
    db.session.execute(JobRecord.__table__.delete())
    db.session.commit()

    challenges.sweep_due_transitions()
    challenges.sweep_due_transitions()  # a second sweep before the worker ran
    kinds = db.session.scalar(
        select(func.count()).select_from(JobRecord).where(JobRecord.kind.like("%assign_after_close"))
    )
    assert kinds == 1
    run_worker()
    assert challenges.get_challenge(scene.challenge.id).status == "judging"
    assert _assigned_entries(db) == {entry.id}


def test_an_assignment_run_cut_off_after_judging_started_assigns_when_retried(db, scene, make_user):
    """The worker died between starting judging and assigning: the retried job still assigns."""
    _one_judge_panel(db, scene, make_user)
    entry = Submission(
        challenge_id=scene.challenge.id, contributor_id=scene.alice.id, alias="R2D2", title="T"
    )
    db.session.add(entry)
    db.session.commit()
    closes = scene.challenge.closes_at
    challenges.close_if_due(scene.challenge.id, now=closes)
    challenges.start_judging(scene.challenge.id, now=closes + timedelta(minutes=15))  # then the crash
    judging_jobs.assign_after_close(scene.challenge.id)  # RQ's retry
    assert _assigned_entries(db) == {entry.id}
