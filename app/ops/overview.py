"""The health of the whole deployment at a glance, for the admin page: the readiness checks, the
queues, the workers, the last sweep, failed jobs, and whether logs, metrics and error reports are on.

The same sources as ``/readyz`` and ``/metrics``, read now; a figure whose source is down is None,
and the page says it cannot be known rather than showing a zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app import jobs
from app.extensions import db
from app.ops.health import Check, readiness
from app.ops.job_runs import SWEEP_KIND, last_periodic_successes
from app.ops.metrics import oldest_waiting_since


@dataclass(frozen=True)
class QueueFigures:
    name: str
    waiting: int
    oldest_waiting_since: datetime | None  # None: no job waits
    failed: int


@dataclass(frozen=True)
class Overview:
    checks: list[Check]
    queues: list[QueueFigures] | None  # None: Redis is down
    workers: int | None
    last_sweep_at: datetime | None
    failed_jobs: int | None  # None: the database is down
    log_format: str
    metrics_enabled: bool
    errors_reported: bool

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def down(self) -> list[str]:
        return [check.name for check in self.checks if not check.ok]


def health_overview() -> Overview:
    checks = readiness()
    usable = {check.name: check.ok for check in checks}
    queues = workers = last_sweep_at = None
    if usable["redis"]:
        try:
            queues = [
                QueueFigures(state.name, state.waiting, oldest_waiting_since(state.name), state.failed)
                for state in jobs.queue_states()
            ]
            workers = len(jobs.worker_states())
            last_sweep_at = last_periodic_successes(jobs.redis_connection()).get(SWEEP_KIND)
        except RedisError:  # gone since its check: the page says the figures cannot be read
            queues = workers = last_sweep_at = None
    failed_jobs = None
    if usable["database"]:
        try:
            failed_jobs = db.session.scalar(
                select(func.count()).select_from(jobs.JobRecord).where(jobs.JobRecord.status == jobs.FAILED)
            )
        except SQLAlchemyError:
            db.session.rollback()
    config = current_app.config
    return Overview(
        checks=checks,
        queues=queues,
        workers=workers,
        last_sweep_at=last_sweep_at,
        failed_jobs=failed_jobs,
        log_format=config["LOG_FORMAT"],
        metrics_enabled=bool(config["METRICS_ENABLED"]),
        errors_reported=bool(config["SENTRY_DSN"]),
    )
