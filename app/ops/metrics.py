"""Prometheus metrics whose numbers are true however many processes Podium runs.

Two sources, chosen by where each figure can be known truly:

- **Web requests** (count by route, method and status; latency by route and method) are counted by
  the process that answers them, with prometheus_client. Under gunicorn several worker processes
  answer, and a scrape reaches only one of them; so production sets ``PROMETHEUS_MULTIPROC_DIR`` (an
  empty folder, before the server starts), each process writes its counts to memory-mapped files there,
  and the scrape adds up every process's files (``MultiProcessCollector``), those of restarted
  workers included, so counters never go backwards. Only counters and histograms are kept in process,
  the two kinds that add up across processes without ``mark_process_dead``. Without the variable (one
  process: ``bin/run``, the tests) the counts live in this process's memory.
- **Jobs and queues** are not counted in process at all: RQ forks a short-lived work horse per job, and
  the cron, the workers and the web processes are separate programs, so an in-memory counter would be
  lost or partial. They are read at scrape time from where the truth is kept: the JobRecord table (jobs
  by kind and status, how long finished and failed jobs ran), Redis (each queue's depth, the age of its
  oldest waiting job, the workers) and the periodic jobs' last successes (``app.ops.job_runs``).

A scrape also runs the readiness checks (``podium_ready``), so an alert can name the dependency.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import case, func, select
from sqlalchemy.exc import SQLAlchemyError

from app import jobs
from app.extensions import db
from app.ops.health import readiness
from app.ops.job_runs import SWEEP_KIND, last_periodic_successes
from app.ops.logs import elapsed_seconds

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Methods outside this list are counted as "other": a client inventing methods must not invent series.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "<unmatched>"
JOB_DURATION_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)

REQUESTS = Counter(
    "podium_http_requests",
    "HTTP requests answered, by route, method and status.",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "podium_http_request_duration_seconds",
    "Time to answer an HTTP request, by route and method.",
    ["route", "method"],
)


def register_request_metrics(app: Flask) -> None:
    """Count every answered request, error pages included (after_request runs for those too)."""

    def count(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else UNMATCHED_ROUTE
        method = request.method if request.method in KNOWN_METHODS else "other"
        REQUESTS.labels(route, method, str(response.status_code)).inc()
        REQUEST_SECONDS.labels(route, method).observe(elapsed_seconds())
        return response

    app.after_request(count)


def is_multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIR_VARIABLE))


def exposition() -> tuple[bytes, str]:
    """The text a scrape receives, and its content type."""
    registry = CollectorRegistry(auto_describe=False)
    if is_multiprocess():
        MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(REQUEST_SECONDS)
    registry.register(StateCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class StateCollector(Collector):
    """Jobs, queues, periodic jobs and readiness, read from the database and Redis when scraped."""

    def collect(self) -> Iterator[Metric]:
        ready = GaugeMetricFamily(
            "podium_ready", "1 when the dependency is usable, else 0.", labels=["check"]
        )
        checks = {check.name: check.ok for check in readiness()}
        for name, ok in checks.items():
            ready.add_metric([name], 1.0 if ok else 0.0)
        yield ready
        # A dependency that fails between its check and its figures leaves its figures out, not the scrape.
        if checks.get("database"):
            try:
                yield from list(_job_metrics())
            except SQLAlchemyError:
                db.session.rollback()
        if checks.get("redis"):
            queue_families: list[Metric] = []
            with contextlib.suppress(RedisError):
                queue_families = list(_queue_metrics())
            yield from queue_families


def _job_metrics() -> Iterator[Metric]:
    record = jobs.JobRecord
    by_status = GaugeMetricFamily(
        "podium_jobs", "Background jobs recorded, by kind and current status.", labels=["kind", "status"]
    )
    rows = db.session.execute(
        select(record.kind, record.status, func.count()).group_by(record.kind, record.status)
    )
    for kind, status, count in rows:
        by_status.add_metric([kind, status], float(count))
    yield by_status

    seconds = _duration_seconds(record.started_at, record.finished_at)
    bucket_columns = [func.sum(case((seconds <= bound, 1), else_=0)) for bound in JOB_DURATION_BUCKETS]
    durations = db.session.execute(
        select(
            record.kind, record.status, func.count(), func.coalesce(func.sum(seconds), 0.0), *bucket_columns
        )
        .where(record.started_at.is_not(None), record.finished_at.is_not(None))
        .group_by(record.kind, record.status)
    )
    histogram = HistogramMetricFamily(
        "podium_job_duration_seconds",
        "How long finished and failed jobs ran (their last attempt), by kind and outcome.",
        labels=["kind", "status"],
    )
    for kind, status, count, total, *cumulative in durations:
        buckets = [
            (str(bound), float(n or 0)) for bound, n in zip(JOB_DURATION_BUCKETS, cumulative, strict=True)
        ]
        buckets.append(("+Inf", float(count)))
        histogram.add_metric([kind, status], buckets, float(total or 0.0))
    yield histogram


def _duration_seconds(started: Any, finished: Any) -> Any:
    """Seconds between two timestamp columns, in the database's own arithmetic."""
    if db.engine.dialect.name == "sqlite":
        return (func.julianday(finished) - func.julianday(started)) * 86400.0
    return func.extract("epoch", finished - started)


def _queue_metrics() -> Iterator[Metric]:
    now = datetime.now(UTC)
    depth = GaugeMetricFamily(
        "podium_queue_jobs",
        "Jobs in each RQ queue, by state, as Redis holds them.",
        labels=["queue", "state"],
    )
    oldest = GaugeMetricFamily(
        "podium_queue_oldest_job_age_seconds",
        "How long the oldest job waiting in each queue has waited (0 when none waits).",
        labels=["queue"],
    )
    for state in jobs.queue_states():
        for name in ("waiting", "running", "scheduled", "failed"):
            depth.add_metric([state.name, name], float(getattr(state, name)))
        oldest.add_metric([state.name], oldest_waiting_age(state.name, now))
    yield depth
    yield oldest

    connection = jobs.redis_connection()
    yield GaugeMetricFamily(
        "podium_workers", "RQ workers registered with Redis.", value=Worker.count(connection)
    )

    successes = last_periodic_successes(connection)
    last = GaugeMetricFamily(
        "podium_periodic_job_last_success_timestamp_seconds",
        "When each periodic job (sweep, requeue, clean-up) last succeeded, as a Unix time.",
        labels=["kind"],
    )
    for kind, moment in sorted(successes.items()):
        last.add_metric([kind], moment.timestamp())
    yield last
    if SWEEP_KIND in successes:
        yield GaugeMetricFamily(
            "podium_sweep_age_seconds",
            "Seconds since the lifecycle sweep last succeeded (absent until it has once).",
            value=max(0.0, (now - successes[SWEEP_KIND]).total_seconds()),
        )


def oldest_waiting_age(queue_name: str, now: datetime) -> float:
    """Seconds the job at the head of the queue (RQ pops from there) has waited; 0 when none waits."""
    since = oldest_waiting_since(queue_name)
    return 0.0 if since is None else max(0.0, (now - since).total_seconds())


def oldest_waiting_since(queue_name: str) -> datetime | None:
    """When the job at the head of the queue was put there (UTC), or None when no job waits."""
    connection = jobs.redis_connection()
    queue = Queue(queue_name, connection=connection)
    for job_id in queue.get_job_ids(0, 10):  # a job whose hash expired leaves its id behind; skip it
        try:
            enqueued_at = Job.fetch(job_id, connection=connection).enqueued_at
        except NoSuchJobError:
            continue
        if enqueued_at is None:
            continue
        return enqueued_at if enqueued_at.tzinfo is not None else enqueued_at.replace(tzinfo=UTC)
    return None
