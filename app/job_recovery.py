"""The recovery sweep: finds jobs whose worker died, has RQ retry them, and makes every JobRecord say
what RQ is really doing with its job.

A worker killed mid-job leaves the job in RQ's started registry with a heartbeat nobody renews; RQ's
own clean-up of that registry (retry if retries are left, else failed) runs only in a worker's
10-minute maintenance. This sweep runs it every RECOVERY_INTERVAL_SECONDS, then reconciles the records:
a record left "running" whose job RQ has queued again is "retrying", one whose job RQ has failed is
failed for good (which alerts the administrators), and one whose job Redis lost is pushed again. A
record still "queued" whose job RQ ended a while ago (every attempt failed before it could write, as
when PostgreSQL was down) is set to how the job ended.
"""

from __future__ import annotations

from collections import Counter
from contextlib import suppress
from datetime import UTC, timedelta

from flask import current_app
from redis.exceptions import LockError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, StartedJobRegistry
from sqlalchemy import and_, or_, select, update

from app import jobs
from app.core.timeutil import utcnow
from app.extensions import db

_RQ_WAITING = frozenset({JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED})
_RQ_FAILED = frozenset({JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED})
_ABANDONED = "The worker running this job stopped (killed or lost) and no retries were left."
_UNRECORDED = "Every attempt failed before it could be recorded (was the database reachable?)."
# A record's last write may trail RQ by a moment; a job RQ ended longer ago than this was not recorded.
_QUEUED_GRACE = timedelta(minutes=1)
_LOCK_SECONDS = 300  # longer than any sweep; a sweep whose worker died frees the lock by then


def recover_jobs() -> dict[str, int]:
    """Retry or fail abandoned jobs, then bring the records in line; returns what changed, by kind.

    One sweep at a time (a Redis lock): two sweeps cleaning RQ's registry together could both give
    the same abandoned job back to its queue, and it would run twice."""
    lock = jobs.redis_connection().lock("podium:recover-jobs", timeout=_LOCK_SECONDS, blocking=False)
    if not lock.acquire():
        return {}
    try:
        return _recover()
    finally:
        with suppress(LockError):  # held past its timeout: another sweep may hold it now
            lock.release()


def _recover() -> dict[str, int]:
    connection = jobs.redis_connection()
    for name in current_app.config["RQ_QUEUES"]:
        StartedJobRegistry(name, connection=connection).cleanup()
    outcome: Counter[str] = Counter()
    settled_before = utcnow() - _QUEUED_GRACE
    record = jobs.JobRecord
    open_records = db.session.scalars(
        select(record.id).where(
            or_(
                record.status.in_((jobs.STARTED, jobs.RETRYING)),
                # queued ones only once they could have run and ended: not the thousands scheduled ahead
                and_(
                    record.status == jobs.QUEUED,
                    record.created_at < settled_before,
                    or_(record.scheduled_for.is_(None), record.scheduled_for < settled_before),
                ),
            )
        )
    ).all()
    for record_id in open_records:
        outcome[_reconcile(record_id)] += 1
    outcome.pop("unchanged", None)
    return dict(outcome)


def _reconcile(record_id: int) -> str:
    record = db.session.get(jobs.JobRecord, record_id)
    if record is None or record.status not in (jobs.QUEUED, jobs.STARTED, jobs.RETRYING):
        return "unchanged"
    try:
        job: Job | None = Job.fetch(record.rq_job_id, connection=jobs.redis_connection())
    except NoSuchJobError:
        job = None
    if record.status == jobs.QUEUED:
        return _reconcile_queued(record, job)
    rq_status = job.get_status() if job else None
    if rq_status in _RQ_FAILED:
        return "failed" if jobs.fail_for_good(record.id, record.error or _ABANDONED) else "unchanged"
    if rq_status in _RQ_WAITING and record.status == jobs.STARTED:
        return "retrying" if _move(record.id, jobs.STARTED, status=jobs.RETRYING) else "unchanged"
    if rq_status == JobStatus.FINISHED:
        moved = _move(record.id, record.status, status=jobs.FINISHED, progress=100, finished_at=utcnow())
        return "finished" if moved else "unchanged"
    if rq_status is None and _move(record.id, record.status, status=jobs.QUEUED):
        # Redis lost it (restarted without its data): run it again
        jobs.push(db.session.get_one(jobs.JobRecord, record.id))
        return "requeued"
    return "unchanged"


def _reconcile_queued(record: jobs.JobRecord, job: Job | None) -> str:
    """A "queued" record is left alone unless RQ ended its job a while ago (a missing job is
    ``requeue_stranded``'s to push). An admin's retry takes the job out of RQ's failed registry before
    it makes the record "queued", so a job still in that registry really did fail."""
    if job is None or job.ended_at is None:
        return "unchanged"
    if job.ended_at.replace(tzinfo=UTC) > utcnow() - _QUEUED_GRACE:
        return "unchanged"
    rq_status = job.get_status()
    failed_registry = FailedJobRegistry(record.queue, connection=jobs.redis_connection())
    if rq_status in _RQ_FAILED and record.rq_job_id in failed_registry:
        return "failed" if jobs.fail_for_good(record.id, record.error or _UNRECORDED) else "unchanged"
    if rq_status == JobStatus.FINISHED:
        moved = _move(record.id, jobs.QUEUED, status=jobs.FINISHED, progress=100, finished_at=utcnow())
        return "finished" if moved else "unchanged"
    return "unchanged"


def _move(record_id: int, from_status: str, **changes: object) -> bool:
    """Change a record only if it is still in ``from_status`` (a worker may have moved it meanwhile)."""
    moved = db.session.scalar(
        update(jobs.JobRecord)
        .where(jobs.JobRecord.id == record_id, jobs.JobRecord.status == from_status)
        .values(**changes)
        .returning(jobs.JobRecord.id)
    )
    db.session.commit()
    return moved is not None
