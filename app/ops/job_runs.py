"""What a background job leaves for operators: the request id it came from, a log line when it starts
and when it ends, and, for the periodic jobs, when each last finished.

``app.jobs`` calls in here at two points only: ``job_meta()`` when it pushes a job to RQ (the id of
the request, or of the job, doing the enqueuing rides in the RQ job's meta) and ``observed`` around
``run_job`` (the id is bound again inside the work horse, so every log line the job writes, and every
job it enqueues in turn, carries it). Periodic jobs (the sweep, the requeue, the clean-up) leave no
JobRecord, so the time each last succeeded is kept in a Redis hash that the metrics and the admin
health page read.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from redis import Redis
from redis.exceptions import RedisError
from rq import get_current_job
from rq.job import Job

from app.core.request_id import bind_request_id, current_request_id, new_request_id, reset_request_id
from app.ops.error_reports import tag_request_id

JOB_LOGGER = logging.getLogger("podium.jobs")
META_KEY = "request_id"
LAST_SUCCESS_KEY = "podium:periodic:last_success"  # hash: job kind -> POSIX time of its last success
SWEEP_KIND = "app.challenges.jobs:sweep"

F = TypeVar("F", bound=Callable[..., Any])


def job_meta() -> dict[str, str]:
    """The RQ meta of a job enqueued now: the current request id, when there is one."""
    request_id = current_request_id()
    return {META_KEY: request_id} if request_id else {}


def _request_id_of(job: Job | None) -> str:
    offered = job.meta.get(META_KEY) if job is not None else None
    return offered if isinstance(offered, str) and offered else new_request_id()


def observed(run_job: F) -> F:
    """Wrap ``run_job(record_id, kind, *ids)``: bind the enqueuing request's id, log the start and the
    end (with the duration, or the error, which is re-raised untouched), and note in Redis the success
    of a periodic job (``record_id`` None) that RQ ran."""

    @functools.wraps(run_job)
    def run(record_id: int | None, kind: str, *ids: int | str) -> Any:
        job = get_current_job()
        request_id = _request_id_of(job)
        token = bind_request_id(request_id)
        if job is not None:
            tag_request_id(request_id)
        fields = {"kind": kind, "job_record_id": record_id}
        started = time.perf_counter()
        JOB_LOGGER.info("job started: %s", kind, extra=fields)
        try:
            result = run_job(record_id, kind, *ids)
        except Exception as error:
            JOB_LOGGER.error(
                "job failed: %s (%s)",
                kind,
                type(error).__name__,
                extra={**fields, "duration_ms": _ms_since(started), "error": type(error).__name__},
            )
            raise
        else:
            JOB_LOGGER.info("job finished: %s", kind, extra={**fields, "duration_ms": _ms_since(started)})
            if record_id is None and job is not None:
                _note_periodic_success(job.connection, kind)
            return result
        finally:
            reset_request_id(token)

    return cast(F, run)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _note_periodic_success(connection: Redis, kind: str) -> None:
    try:
        connection.hset(LAST_SUCCESS_KEY, kind, repr(time.time()))
    except RedisError:  # the job did its work; a missing heartbeat shows up as an old sweep, not a retry
        JOB_LOGGER.warning("could not record the success of %s in Redis", kind)


def last_periodic_successes(connection: Redis) -> dict[str, datetime]:
    """When each periodic job last succeeded, as Redis remembers it (UTC)."""
    stored = cast(dict[bytes, bytes], connection.hgetall(LAST_SUCCESS_KEY))
    moments = {}
    for kind, value in stored.items():
        try:
            moments[kind.decode()] = datetime.fromtimestamp(float(value), UTC)
        except (ValueError, OverflowError):
            continue
    return moments
