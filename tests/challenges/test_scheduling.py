"""Challenges open and close by the server's clock: scheduled jobs in a real worker, and a sweep that
repairs any transition a lost job missed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from rq import Queue
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from app.challenges import services
from app.challenges.lifecycle import Status
from app.challenges.models import Challenge
from app.core.audit import AuditEvent
from app.core.timeutil import utcnow
from app.jobs import JobRecord, periodic_jobs, run_job
from tests.challenges.support import DAY, terms_at
from tests.conftest import PROJECT_ROOT


@pytest.fixture
def short_windows(app):
    """Let a challenge run for seconds, so a real close can be watched inside a test."""
    saved = app.config["CHALLENGE_MIN_SUBMISSION_WINDOW"]
    app.config["CHALLENGE_MIN_SUBMISSION_WINDOW"] = timedelta(seconds=1)
    yield
    app.config["CHALLENGE_MIN_SUBMISSION_WINDOW"] = saved


def _status(db, challenge_id) -> str:
    db.session.expire_all()
    return db.session.get(Challenge, challenge_id).status


def test_funding_schedules_the_opening_at_opens_at(db, redis, sponsor):
    sponsor.deposit(1_000_000)
    now = utcnow()
    challenge = services.create_challenge(sponsor.member, terms_at(now))
    services.fund_challenge(challenge.id, sponsor.member)
    record = db.session.scalar(select(JobRecord).where(JobRecord.kind == "app.challenges.jobs:open_when_due"))
    # Never before its time: RQ keeps whole seconds, so the time is rounded up, never down.
    assert timedelta(0) <= record.scheduled_for - challenge.opens_at < timedelta(seconds=1)
    registry = ScheduledJobRegistry("scheduled", connection=redis)
    assert record.rq_job_id in registry.get_job_ids()
    scheduled_at = registry.get_scheduled_time(record.rq_job_id)
    assert 0 <= scheduled_at.timestamp() - challenge.opens_at.timestamp() < 1


def test_a_scheduled_close_fires_in_a_real_worker_at_closing_time(
    db, redis, sponsor, short_windows, test_env
):
    sponsor.deposit(1_000_000)
    now = utcnow()
    terms = terms_at(now, opens_at=now, closes_at=now + timedelta(seconds=6))
    challenge = services.create_challenge(sponsor.member, terms, now=now)
    services.fund_challenge(challenge.id, sponsor.member, now=now)
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **test_env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        seen = []
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            status = _status(db, challenge.id)
            if not seen or seen[-1] != status:
                seen.append(status)
            if status in (Status.CLOSED.value, Status.JUDGING.value):  # closing queues judging at once
                break
            time.sleep(0.25)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert seen[-1] in ("closed", "judging"), seen
    assert "open" in seen  # it was open before it closed
    closed_event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "challenge.closed"))
    assert closed_event.occurred_at >= terms.closes_at


def test_the_sweep_repairs_transitions_whose_jobs_were_lost(app, db, redis, sponsor):
    sponsor.deposit(2_000_000)
    long_ago = utcnow() - 40 * DAY
    late_open = services.create_challenge(
        sponsor.member, terms_at(long_ago, title="Missed open"), now=long_ago
    )
    services.fund_challenge(late_open.id, sponsor.member, now=long_ago)
    upcoming = services.create_challenge(sponsor.member, terms_at(utcnow(), title="Still upcoming"))
    services.fund_challenge(upcoming.id, sponsor.member)
    redis.flushdb()  # the scheduled jobs are gone, as after losing Redis

    result = app.test_cli_runner().invoke(args=["challenges", "sweep"])
    assert result.exit_code == 0, result.output
    assert "opened 1, closed 1" in result.output
    assert _status(db, late_open.id) == "closed"  # opened, then closed, both past due
    assert _status(db, upcoming.id) == "funded"  # not yet its time
    again = app.test_cli_runner().invoke(args=["challenges", "sweep"])
    assert "opened 0, closed 0" in again.output


def test_the_periodic_sweep_runs_as_a_job_in_a_real_worker(app, db, redis, sponsor, run_worker):
    sponsor.deposit(1_000_000)
    long_ago = utcnow() - 40 * DAY
    challenge = services.create_challenge(sponsor.member, terms_at(long_ago), now=long_ago)
    services.fund_challenge(challenge.id, sponsor.member, now=long_ago)
    redis.flushdb()
    assert ("app.challenges.jobs:sweep", "scheduled", app.config["SWEEP_INTERVAL_SECONDS"]) in periodic_jobs(
        app
    )
    Queue("scheduled", connection=redis).enqueue(run_job, None, "app.challenges.jobs:sweep")
    run_worker()
    # The sweep opened and closed it; the same worker then ran the job that closing queues
    # (assigning judges), which starts judging and, with no entry to judge, asks the sponsor.
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "challenge.opened" in actions and "challenge.closed" in actions
    assert "challenge.judging_started" in actions and "judging.overdue" in actions
    assert _status(db, challenge.id) == "judging_overdue"


def test_extending_the_deadline_reschedules_the_close_and_tells_people(db, redis, sponsor):
    sponsor.deposit(1_000_000)
    now = utcnow()
    terms = terms_at(now)
    challenge = services.create_challenge(sponsor.member, terms, now=now)
    services.fund_challenge(challenge.id, sponsor.member, now=now)
    services.open_if_due(challenge.id, now=terms.opens_at)
    services.extend_deadline(challenge.id, sponsor.member, terms.closes_at + 2 * DAY, now=terms.opens_at)
    assert challenge.closes_at == terms.closes_at + 2 * DAY
    assert challenge.judging_due_at == terms.judging_due_at + 2 * DAY  # the judging window keeps its length
    closes = db.session.scalars(
        select(JobRecord.scheduled_for).where(JobRecord.kind == "app.challenges.jobs:close_when_due")
    ).all()
    # Scheduled for the new deadline, rounded up to the whole second RQ keeps.
    assert any(timedelta(0) <= moment - challenge.closes_at < timedelta(seconds=1) for moment in closes)
    # The job scheduled for the old time finds nothing to do then.
    assert services.close_if_due(challenge.id, now=terms.closes_at) is False
    with pytest.raises(Exception, match="only move later"):
        services.extend_deadline(challenge.id, sponsor.member, terms.closes_at, now=terms.opens_at)
