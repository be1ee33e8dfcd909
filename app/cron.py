"""The periodic-job scheduler behind `flask cron`: enqueues each housekeeping job once per interval,
for every scheduler running, and outlives Redis outages.

Time is cut into slots of each job's interval, counted from the Unix epoch, so every scheduler agrees
on them. A scheduler enqueues a slot's run only after claiming the slot with SET NX in Redis: with two
schedulers running (a deploy overlap, a standby), one sweep still runs once. A slot whose previous run
still waits in its queue (no worker has been free) is skipped, so runs never pile up behind an outage.
When Redis goes away the loop waits (doubling, up to RECONNECT_MAX_SECONDS) and carries on where it
was once Redis is back.
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Callable
from datetime import UTC

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from app import jobs
from app.core.backoff import Backoff

TICK_SECONDS = 1.0


def slot_of(now: float, interval: int) -> int:
    """Which run of a job due every ``interval`` seconds the moment ``now`` (Unix seconds) falls in."""
    return int(now // interval)


def enqueue_due(claimed: dict[str, int], *, now: float, owner: str) -> list[str]:
    """Enqueue every periodic job whose slot has come and that no scheduler has claimed yet.

    ``claimed`` remembers, per job, the last slot this scheduler settled (enqueued, or found taken), so
    it asks Redis once per slot. Returns the kinds this call enqueued.
    """
    connection = jobs.redis_connection()
    enqueued = []
    for kind, queue, interval in jobs.periodic_jobs(current_app):
        slot = slot_of(now, interval)
        if claimed.get(kind) == slot:
            continue
        last_key = f"podium:cron:last:{kind}"
        claimed_now = connection.set(f"podium:cron:{kind}:{slot}", owner, nx=True, ex=2 * interval)
        if claimed_now and not _still_waiting(connection, connection.get(last_key), now - 5 * interval):
            job_id = "periodic-" + re.sub(r"[^A-Za-z0-9_-]", "-", kind) + f"-{slot}"
            jobs.get_queue(queue).enqueue(jobs.run_job, None, kind, job_id=job_id, result_ttl=600)
            connection.set(last_key, job_id)
            enqueued.append(kind)
        claimed[kind] = slot
    return enqueued


_WAITING = frozenset({JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED})


def _still_waiting(connection: Redis, job_id: bytes | str | None, patience_ends: float) -> bool:
    """Whether the run enqueued last for a job still waits for a worker; one enqueued before
    ``patience_ends`` (Unix seconds) is taken for lost, so a stray record can never stop a sweep."""
    if job_id is None:
        return False
    if isinstance(job_id, bytes):
        job_id = job_id.decode()
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return False
    enqueued_at = job.enqueued_at.replace(tzinfo=UTC).timestamp() if job.enqueued_at else 0.0
    return job.get_status() in _WAITING and enqueued_at >= patience_ends


def run_scheduler(*, should_stop: Callable[[], bool] = lambda: False) -> None:
    """Loop until stopped (Ctrl-C, SIGTERM): enqueue what is due, every second."""
    owner = f"{socket.gethostname()}:{os.getpid()}"
    claimed: dict[str, int] = {}
    backoff = Backoff(ceiling=current_app.config["RECONNECT_MAX_SECONDS"])
    logger = current_app.logger
    logger.info("cron scheduler %s started", owner)
    try:
        while not should_stop():
            try:
                for kind in enqueue_due(claimed, now=time.time(), owner=owner):
                    logger.info("cron: enqueued %s", kind)
            except RedisError as error:
                delay = backoff.failed()
                logger.error("cron: Redis unreachable (%s); trying again in %.1f s", error, delay)
                time.sleep(delay)
                continue
            if backoff.failures:
                logger.info("cron: Redis is back")
                backoff.succeeded()
            time.sleep(TICK_SECONDS)
    except KeyboardInterrupt:  # Ctrl-C: stop quietly, as RQ's worker does
        logger.info("cron scheduler %s stopped", owner)
