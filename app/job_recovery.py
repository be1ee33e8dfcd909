"""The recovery sweep: finds jobs whose worker died, has RQ retry them, and makes every JobRecord say
what RQ is really doing with its job.

A worker killed mid-job leaves the job in RQ's started registry with a heartbeat nobody renews; RQ's
own clean-up of that registry (retry if retries are left, else failed) runs only in a worker's
10-minute maintenance. This sweep runs it every RECOVERY_INTERVAL_SECONDS, then reconciles the records:
a record left "running" whose job RQ has queued again is "retrying", one whose job RQ has failed is
failed for good (which alerts the administrators), and one whose job Redis lost is pushed again.
"""

from __future__ import annotations

from collections import Counter

from flask import current_app
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from sqlalchemy import select, update

from app import jobs
from app.core.timeutil import utcnow
from app.extensions import db

_RQ_WAITING = frozenset({JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED})
_RQ_FAILED = frozenset({JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED})
_ABANDONED = "The worker running this job stopped (killed or lost) and no retries were left."


def recover_jobs() -> dict[str, int]:
    """Retry or fail abandoned jobs, then bring the records in line; returns what changed, by kind."""
    connection = jobs.redis_connection()
    for name in current_app.config["RQ_QUEUES"]:
        StartedJobRegistry(name, connection=connection).cleanup()
    outcome: Counter[str] = Counter()
    open_records = db.session.scalars(
        select(jobs.JobRecord.id).where(jobs.JobRecord.status.in_((jobs.STARTED, jobs.RETRYING)))
    ).all()
    for record_id in open_records:
        outcome[_reconcile(record_id)] += 1
    outcome.pop("unchanged", None)
    return dict(outcome)


def _reconcile(record_id: int) -> str:
    record = db.session.get(jobs.JobRecord, record_id)
    if record is None or record.status not in (jobs.STARTED, jobs.RETRYING):
        return "unchanged"
    connection = jobs.redis_connection()
    try:
        rq_status = Job.fetch(record.rq_job_id, connection=connection).get_status()
    except NoSuchJobError:
        rq_status = None
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
