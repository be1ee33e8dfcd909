"""RQ wiring: Redis and queues, the JobRecord that makes background work visible, the enqueue
helper, the job runner that gives every job an app context, and the worker entry point.

A job is a plain function in some ``<domain>/jobs.py`` that takes ids. ``enqueue`` records it as a
JobRecord in the caller's transaction and pushes it to Redis only after that transaction commits, so a
worker never looks for a row that is not there yet.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib
import json
import os
import signal
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from flask_sqlalchemy.pagination import Pagination
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, Worker, get_current_job
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry
from sqlalchemy import JSON, ForeignKey, Index, String, Text, event, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core import audit
from app.core.backoff import Backoff
from app.core.errors import Conflict, NotFound, ServiceUnavailable
from app.core.hooks import Hook
from app.core.timeutil import UTCDateTime, utcnow
from app.core.transactions import atomic
from app.extensions import Model, db
from app.ops.job_runs import job_meta, observed  # ops: the request id rides into jobs; start/end logs

QUEUED, STARTED, RETRYING, FINISHED, FAILED = "queued", "started", "retrying", "finished", "failed"
# What each status means, in the words the jobs page uses. FAILED is final: RQ will not try again,
# only an administrator's retry will.
STATUS_LABELS = {
    QUEUED: "queued",
    STARTED: "running",
    RETRYING: "retrying",
    FAILED: "failed for good",
    FINISHED: "done",
}
# While a record of some work is in one of these, no second record of the same work is made.
HOLDING_STATUSES = (QUEUED, STARTED, RETRYING, FAILED)
_PENDING_KEY = "podium_pending_jobs"

job_failed_for_good = Hook(
    "job_failed_for_good",
    doc="A job has failed and RQ will not retry it: someone must be told (called in the transaction "
    "that marks it failed; listeners add rows, never commit).",
)


class JobRecord(Model):
    """One background job as users and admins see it: what, about what, by whom, how far, why failed."""

    __tablename__ = "job_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    rq_job_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(120), index=True)
    queue: Mapped[str] = mapped_column(String(40))
    args: Mapped[list[Any]] = mapped_column(JSON, default=list)
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED, index=True)
    progress: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The same function over the same ids at the same time: one open record of it at most (see enqueue).
    work_key: Mapped[str | None] = mapped_column(String(64))
    # Asked for again while running: the run may have read the data before the change that asked, so
    # it runs once more when it finishes.
    rerun_requested: Mapped[bool] = mapped_column(default=False, server_default="0")

    __table_args__ = (
        Index(
            "uq_job_records_open_work",
            "work_key",
            unique=True,
            postgresql_where=text("status IN ('queued', 'started', 'retrying', 'failed')"),
            sqlite_where=text("status IN ('queued', 'started', 'retrying', 'failed')"),
        ),
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    def __repr__(self) -> str:
        return f"<JobRecord {self.id} {self.kind} {self.status}>"


def redis_connection() -> Redis:
    """The Redis client for REDIS_URL, one per application. Connecting and every reply are bounded by
    REDIS_TIMEOUT, so a hung Redis fails a request in seconds instead of holding it."""
    app = current_app._get_current_object()
    client = app.extensions.get("podium_redis")
    if client is None:
        seconds = app.config["REDIS_TIMEOUT"]
        client = Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=seconds, socket_timeout=seconds
        )
        app.extensions["podium_redis"] = client
    return client


def blocking_redis_connection() -> Redis:
    """A client for the worker and cron loops, whose commands block on purpose while they wait for
    work: connecting is bounded, replies are not (RQ sets its own limit above its wait)."""
    return Redis.from_url(
        current_app.config["REDIS_URL"], socket_connect_timeout=current_app.config["REDIS_TIMEOUT"]
    )


def get_queue(name: str = "default") -> Queue:
    if name not in current_app.config["RQ_QUEUES"]:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=redis_connection())


def _dotted(func: Callable[..., Any] | str) -> str:
    if isinstance(func, str):
        return func
    return f"{func.__module__}:{func.__qualname__}"


def enqueue(
    func: Callable[..., Any] | str,
    *ids: int | str,
    queue: str = "default",
    subject: Any = None,
    started_by: Any = None,
    at: datetime | None = None,
    commit: bool = True,
) -> JobRecord:
    """Record a job and enqueue it once the record is committed.

    With ``commit=True`` (standalone use) this commits at once. A service that enqueues as part of a
    larger change passes ``commit=False`` and commits itself; the job is pushed to Redis right after
    that commit, and dropped if the transaction rolls back. ``at`` schedules the job for a UTC time.

    The same work (function, ids and time) is never queued twice: while a record of it is queued,
    retrying or failed for good, that record is returned and nothing new is queued (the run to come
    reads the data as it will be). While it is running, the record is marked to run once more when it
    finishes, since the run may have read the data too early. A unique index decides, so two
    transactions enqueueing at once still make one record.
    """
    if at is not None and at.tzinfo is None:
        raise ValueError("schedule times must be timezone-aware UTC")
    if at is not None:
        at = _next_whole_second(at)
    get_queue(queue)  # validate the queue name before anything is written
    kind = _dotted(func)
    record = JobRecord(
        rq_job_id=uuid.uuid4().hex,
        kind=kind,
        queue=queue,
        args=list(ids),
        subject_type=getattr(subject, "__tablename__", None),
        subject_id=None if subject is None else str(subject.id),
        started_by_id=getattr(started_by, "id", started_by),
        scheduled_for=at,
        work_key=work_key(kind, ids, at),
    )
    db.session.flush()  # the caller's own rows first, so an error of theirs is not taken for a duplicate
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        record = _open_record_of(record)
    else:
        db.session.info.setdefault(_PENDING_KEY, []).append(record)
    if commit:
        db.session.commit()
    return record


def work_key(kind: str, ids: tuple[int | str, ...] | list[Any], at: datetime | None) -> str:
    """What makes two jobs the same work, as a fixed-length digest for the unique index."""
    identity = json.dumps([kind, list(ids), None if at is None else at.isoformat()], separators=(",", ":"))
    return hashlib.sha256(identity.encode()).hexdigest()


def _open_record_of(duplicate: JobRecord) -> JobRecord:
    """The open record ``duplicate`` ran into; a running one is asked to run once more. The UPDATE
    waits for the row lock the finishing run takes (``_finish``), so the request is never lost: either
    the run sees it, or the UPDATE finds the run finished and matches nothing."""
    key = duplicate.work_key
    rerun = db.session.scalar(
        update(JobRecord)
        .where(JobRecord.work_key == key, JobRecord.status == STARTED)
        .values(rerun_requested=True)
        .returning(JobRecord.id)
    )
    existing = db.session.scalar(
        select(JobRecord)
        .where(JobRecord.work_key == key, JobRecord.status.in_(HOLDING_STATUSES))
        .execution_options(populate_existing=True)
    )
    if existing is None:
        # The holder finished between our insert and this read: the work is not held any more.
        with db.session.begin_nested():
            db.session.add(duplicate)
        db.session.info.setdefault(_PENDING_KEY, []).append(duplicate)
        return duplicate
    what = "will run once more when it finishes" if rerun else "is not queued again"
    current_app.logger.info("job %s is already %s; it %s", existing.id, existing.status, what)
    return existing


# A sweep that finds a repair job failed (after RQ's own retries) waits this long before trying
# again: an administrator can retry it at once, and a job that keeps failing is not repeated every sweep.
FAILED_REPAIR_PAUSE = timedelta(hours=1)


def is_pending(func: Callable[..., Any] | str, subject: Any, *, now: datetime | None = None) -> bool:
    """Whether a job of this kind about this subject is queued to run now, running, or failed within
    ``FAILED_REPAIR_PAUSE``: a periodic sweep that repairs missed work checks this first, so it never
    piles up copies of one job. One scheduled for later does not count (its time may have moved since
    it was queued); a record whose Redis job was lost is pushed again by ``requeue_stranded``."""
    now = now or utcnow()
    waiting = JobRecord.status.in_((QUEUED, STARTED, RETRYING)) & (
        JobRecord.scheduled_for.is_(None) | (JobRecord.scheduled_for <= now)
    )
    failed_lately = (JobRecord.status == FAILED) & (JobRecord.created_at > now - FAILED_REPAIR_PAUSE)
    return (
        db.session.scalar(
            select(JobRecord.id)
            .where(
                JobRecord.kind == _dotted(func),
                JobRecord.subject_type == subject.__tablename__,
                JobRecord.subject_id == str(subject.id),
                waiting | failed_lately,
            )
            .limit(1)
        )
        is not None
    )


def _next_whole_second(moment: datetime) -> datetime:
    """RQ stores schedule times in whole seconds, cutting off the fraction, which would let a job run
    up to a second before its time (a challenge would be found not yet due). Round up instead."""
    if moment.microsecond == 0:
        return moment
    return moment.replace(microsecond=0) + timedelta(seconds=1)


# Seconds a job of some kind may run before RQ stops it, where RQ's default (180 s) is too short.
_TIMEOUTS: dict[str, int] = {}


def allow_time(func: Callable[..., Any] | str, seconds: int) -> None:
    """Let jobs of this kind run up to ``seconds`` (a domain calls this as it loads)."""
    _TIMEOUTS[_dotted(func)] = seconds


def push(record: JobRecord) -> Job:
    """Put a committed record's job on its RQ queue (or schedule), under the record's RQ id."""
    app = current_app
    retries = app.config["JOB_RETRIES"]
    retry = Retry(max=retries, interval=list(app.config["JOB_RETRY_INTERVALS"])) if retries else None
    queue = get_queue(record.queue)
    args = (record.id, record.kind, *record.args)
    options: dict[str, Any] = {"job_id": record.rq_job_id, "retry": retry, "meta": job_meta()}
    if record.kind in _TIMEOUTS:
        options["job_timeout"] = _TIMEOUTS[record.kind]
    if record.scheduled_for is not None:
        return queue.enqueue_at(record.scheduled_for, run_job, *args, **options)
    return queue.enqueue(run_job, *args, **options)


@event.listens_for(Session, "after_commit")
def _push_pending_after_commit(session: Session) -> None:
    """Push the committed records to Redis. If Redis is unreachable the change itself stands (it is
    committed); the record stays "queued" and ``requeue_stranded`` pushes it once Redis is back."""
    pending = session.info.pop(_PENDING_KEY, [])
    for record in pending:
        try:
            push(record)
        except RedisError as error:
            current_app.logger.error(
                "job %s not queued yet (%s); the periodic requeue will retry", record.id, error
            )


STRANDED_AFTER = timedelta(minutes=2)


def requeue_stranded(now: datetime | None = None) -> int:
    """Push queued records that never reached Redis (or were lost with it); returns how many."""
    now = now or utcnow()
    candidates = db.session.scalars(
        select(JobRecord).where(JobRecord.status == QUEUED, JobRecord.created_at < now - STRANDED_AFTER)
    ).all()
    connection = redis_connection()
    pushed = 0
    for record in candidates:
        if Job.exists(record.rq_job_id, connection=connection):
            continue
        push(record)  # a schedule time already past makes RQ's scheduler run it at once
        pushed += 1
    return pushed


_WAITING = frozenset({JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED, JobStatus.STARTED})


@atomic
def retry_job(record_id: int, actor: Any) -> JobRecord:
    """Run a failed job again, from an administrator's click: once, however often it is clicked.

    Only a failed record is retried; it goes back to "queued" in the same commit as its audit event,
    and is pushed to Redis after that commit under its own RQ id (taken out of RQ's failed registry
    first), so a second click finds it queued and is refused rather than running it twice.
    """
    record = db.session.scalar(select(JobRecord).where(JobRecord.id == record_id).with_for_update())
    if record is None:
        raise NotFound("No such job.")
    if record.status != FAILED:
        raise Conflict(f"Only failed jobs can be retried; this one is {record.status}.")
    try:
        connection = redis_connection()
        if Job.exists(record.rq_job_id, connection=connection):
            rq_status = Job.fetch(record.rq_job_id, connection=connection).get_status()
            if rq_status in _WAITING:
                raise Conflict("RQ already has this job waiting for its automatic retry.")
        FailedJobRegistry(record.queue, connection=connection).remove(record.rq_job_id)
    except RedisError as error:
        raise ServiceUnavailable("The job queue cannot be reached; try again in a minute.") from error
    record.status = QUEUED
    record.progress = 0
    record.finished_at = None
    audit.record("job.retried", record, actor=actor, kind=record.kind, attempts=record.attempts)
    db.session.info.setdefault(_PENDING_KEY, []).append(record)
    db.session.commit()
    return record


@event.listens_for(Session, "after_rollback")
def _drop_pending_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


# --- what admins read ---------------------------------------------------------------------------


def job_count() -> int:
    return db.session.execute(select(func.count()).select_from(JobRecord)).scalar_one()


def failed_job_count() -> int:
    """Jobs failed for good, waiting for an administrator's retry."""
    return db.session.execute(
        select(func.count()).select_from(JobRecord).where(JobRecord.status == FAILED)
    ).scalar_one()


def recent_job_records(*, limit: int) -> list[JobRecord]:
    """The latest jobs, newest first, for the admin home."""
    return list(db.session.scalars(select(JobRecord).order_by(JobRecord.id.desc()).limit(limit)))


def job_record_page(status: str | None, *, page: int, per_page: int) -> Pagination:
    """Jobs newest first, in ``status`` if given; a page past the last is empty, not an error."""
    query = select(JobRecord).order_by(JobRecord.id.desc())
    if status:
        query = query.where(JobRecord.status == status)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


@dataclass(frozen=True)
class QueueState:
    """How much work one RQ queue holds, as Redis says right now."""

    name: str
    waiting: int
    running: int
    scheduled: int
    failed: int


@dataclass(frozen=True)
class WorkerState:
    """One worker process as it last reported itself to Redis."""

    name: str
    state: str
    queues: tuple[str, ...]
    current_job_id: str | None
    last_heartbeat: datetime | None


def queue_states() -> list[QueueState]:
    """Every configured queue's counts; read-only (changing anything goes through ``retry_job``)."""
    connection = redis_connection()
    states = []
    for name in current_app.config["RQ_QUEUES"]:
        queue = Queue(name, connection=connection)
        states.append(
            QueueState(
                name=name,
                waiting=queue.count,
                running=queue.started_job_registry.count,
                scheduled=queue.scheduled_job_registry.count,
                failed=queue.failed_job_registry.count,
            )
        )
    return states


def worker_states() -> list[WorkerState]:
    """Every worker registered with Redis, by name."""
    workers = Worker.all(connection=redis_connection())
    return [
        WorkerState(
            name=worker.name,
            state=str(getattr(worker.get_state(), "value", worker.get_state())),
            queues=tuple(worker.queue_names()),
            current_job_id=worker.get_current_job_id(),
            last_heartbeat=_aware(worker.last_heartbeat),
        )
        for worker in sorted(workers, key=lambda worker: worker.name)
    ]


def _aware(moment: datetime | None) -> datetime | None:
    """RQ keeps UTC times without a zone; ours always carry one."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


# --- inside the worker -------------------------------------------------------------------------

_worker_app: Flask | None = None


def _app_for_job() -> Flask:
    """The app a job runs in: the caller's, or the one ``flask worker`` built before it started work
    (its work horses are forked from it). Jobs never build an app themselves, so this module never
    imports the factory that imports every domain."""
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        raise RuntimeError("jobs run inside `flask worker` (or an app context); start workers with it")
    return _worker_app


def _resolve(kind: str) -> Callable[..., Any]:
    module_name, _, attribute = kind.partition(":")
    if not module_name.startswith("app.") or not attribute:
        raise ValueError(f"refusing to run {kind!r}: jobs must be functions inside the app package")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target


def _update_record(record_id: int | None, **changes: Any) -> None:
    if record_id is None:  # periodic housekeeping runs without a record
        return
    record = db.session.get(JobRecord, record_id)
    if record is None:
        return
    for name, value in changes.items():
        setattr(record, name, value)
    db.session.commit()


@observed  # ops: binds the enqueuing request's id, logs the start and the end (app/ops/job_runs.py)
def run_job(record_id: int | None, kind: str, *ids: int | str) -> Any:
    """The function RQ calls: run ``kind`` with ``ids`` in an app context and track it.

    ``record_id`` is None for the periodic jobs the cron scheduler starts; they leave no JobRecord.
    Exceptions are recorded on the JobRecord and then re-raised so RQ marks the job failed and retries.
    """
    app = _app_for_job()
    with app.app_context():
        # A forked work horse must not reuse connections opened by its parent process.
        db.engine.dispose(close=False)
        record = db.session.get(JobRecord, record_id) if record_id is not None else None
        attempts = (record.attempts if record else 0) + 1
        _update_record(
            record_id,
            status=STARTED,
            started_at=utcnow(),
            attempts=attempts,
            error=None,
            rerun_requested=False,
        )
        try:
            result = _resolve(kind)(*ids)
        except Exception as error:
            db.session.rollback()
            record_failure(record_id, f"{type(error).__name__}: {error}", will_retry=_rq_will_retry())
            raise
        _finish(record_id)
        return result


def _finish(record_id: int | None) -> None:
    """Done, unless the same work was asked for while this ran: then queued again, under a new RQ id
    (this one is still running), to run once more."""
    if record_id is None:
        return
    record = db.session.scalar(select(JobRecord).where(JobRecord.id == record_id).with_for_update())
    if record is None:
        return
    if record.rerun_requested:
        record.status, record.rerun_requested, record.progress = QUEUED, False, 0
        record.rq_job_id = uuid.uuid4().hex
        db.session.info.setdefault(_PENDING_KEY, []).append(record)
    else:
        record.status, record.progress, record.finished_at = FINISHED, 100, utcnow()
    db.session.commit()


def _rq_will_retry() -> bool:
    """Whether RQ will run the current job again after this failure (it has retries left)."""
    job = get_current_job()
    return bool(job is not None and job.retries_left)


def record_failure(record_id: int | None, error: str, *, will_retry: bool) -> None:
    """Say on the record how an attempt ended: "retrying" while RQ has retries left, else failed for
    good, which tells the administrators."""
    if will_retry:
        _update_record(record_id, status=RETRYING, finished_at=utcnow(), error=error)
    elif record_id is not None:
        fail_for_good(record_id, error)


def fail_for_good(record_id: int, error: str | None = None) -> bool:
    """Mark an unfinished job failed for good and raise the alert, once: of two processes that both see
    it fail (the worker and the recovery sweep), only the one whose UPDATE moves it alerts. Commits."""
    changes: dict[str, Any] = {"status": FAILED, "finished_at": utcnow()}
    if error is not None:
        changes["error"] = error
    moved = db.session.scalar(
        update(JobRecord)
        .where(JobRecord.id == record_id, JobRecord.status.in_((QUEUED, STARTED, RETRYING)))
        .values(**changes)
        .returning(JobRecord.id)
    )
    if moved is not None:
        record = db.session.get_one(JobRecord, record_id, populate_existing=True)
        audit.record("job.failed", record, kind=record.kind, attempts=record.attempts, error=record.error)
        job_failed_for_good.answers(record)
    db.session.commit()
    return moved is not None


def _horse_killed(job: Job, retpid: int, ret_val: int, rusage: Any) -> None:
    """RQ's worker saw the process running a job die (killed, out of memory) before the job could
    record anything; RQ is about to retry it or fail it, and the record says which."""
    record_id = job.args[0] if job.args else None
    if record_id is None:
        return
    reason = f"The process running this job died (wait status {ret_val}) before it finished."
    try:
        record_failure(record_id, reason, will_retry=bool(job.retries_left))
    except Exception:  # RQ must still retry or fail the job; the recovery sweep sets the record right
        db.session.rollback()
        current_app.logger.exception("could not record the end of job %s", record_id)


# (kind, queue, seconds between runs): housekeeping the cron process enqueues for the workers.
def periodic_jobs(app: Flask) -> list[tuple[str, str, int]]:
    return [
        ("app.jobs:requeue_stranded", "default", app.config["SWEEP_INTERVAL_SECONDS"]),
        ("app.job_recovery:recover_jobs", "default", app.config["RECOVERY_INTERVAL_SECONDS"]),
        ("app.challenges.jobs:sweep", "scheduled", app.config["SWEEP_INTERVAL_SECONDS"]),
        ("app.submissions.jobs:clean_up_uploads", "default", app.config["CLEANUP_INTERVAL_SECONDS"]),
        ("app.submissions.jobs:resume_verifications", "default", app.config["RECOVERY_INTERVAL_SECONDS"]),
    ]


def run_cron() -> None:
    """Run the scheduler that enqueues the periodic jobs (app/cron.py); workers execute them."""
    from app import cron  # it builds on this module

    cron.run_scheduler()


def _was_told_to_stop(worker: Worker | None) -> bool:
    """SIGTERM or Ctrl-C (RQ's warm shutdown), as opposed to quitting on an error."""
    return worker is not None and (worker._stop_requested or worker._shutdown_requested_date is not None)


class PodiumWorker(Worker):
    """RQ's worker, taking a job for abandoned after two missed heartbeats instead of a minute more.

    The worker renews a running job's entry in RQ's started registry every JOB_HEARTBEAT_SECONDS; an
    entry not renewed in time means the worker died with it, and the recovery sweep retries the job.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.worker_pid = os.getpid()

    def setup_work_horse_signals(self) -> None:
        """In the work horse: die with the worker. Killed alone, the worker would leave its horse running
        the job while the recovery sweep has it run again elsewhere: twice, e-mails included."""
        super().setup_work_horse_signals()
        _die_with(self.worker_pid)

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        rq_allowance = 60  # what RQ adds to the heartbeat interval
        return max(
            1, super().get_heartbeat_ttl(job, working_time) - rq_allowance + 2 * self.job_monitoring_interval
        )


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies; if the parent is already gone, exit now.
    Elsewhere there is no such request, and a killed worker's horse finishes its job on its own."""
    if not sys.platform.startswith("linux"):
        return
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(1)


def run_worker(queues: list[str] | None = None, *, burst: bool = False) -> bool:
    """Run an RQ worker with the scheduler on, inside the current app context.

    RQ's worker quits when Redis fails under it in most places but its wait for jobs; outside burst
    mode this starts it again, waiting longer after each failure in a row, until it is told to stop.
    """
    global _worker_app
    _worker_app = current_app._get_current_object()
    config = current_app.config
    names = queues or list(config["RQ_QUEUES"])
    unknown = [name for name in names if name not in config["RQ_QUEUES"]]
    if unknown:
        raise ValueError(f"unknown queue {unknown[0]!r}")
    backoff = Backoff(ceiling=config["RECONNECT_MAX_SECONDS"])
    while True:
        started = time.monotonic()
        worker = None
        try:
            # RQ's wait for jobs blocks on purpose: only connecting is bounded (blocking_redis_connection).
            connection = blocking_redis_connection()
            worker = PodiumWorker(
                [Queue(name, connection=connection) for name in names],
                connection=connection,
                job_monitoring_interval=config["JOB_HEARTBEAT_SECONDS"],
                work_horse_killed_handler=_horse_killed,
            )
            worked = worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
        except RedisError as error:
            if burst or _was_told_to_stop(worker):
                raise
            current_app.logger.error("worker lost Redis (%s)", error)
        else:
            if burst or _was_told_to_stop(worker):
                return worked
        # RQ's signal handlers belong to the worker that ended: a stop signal now simply stops us.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if time.monotonic() - started > backoff.ceiling:
            backoff.succeeded()  # it ran well for a while: this is a new outage
        delay = backoff.failed()
        current_app.logger.warning("worker stopped unexpectedly; starting again in %.1f s", delay)
        time.sleep(delay)
