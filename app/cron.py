"""``flask cron`` on every machine, one at work: RQ's cron scheduler behind a lease in Redis.

Only the process holding the lease enqueues the periodic jobs; any other ``flask cron`` waits as a
standby and takes the lease when the holder stops renewing it (stopped, crashed or cut off), within
``CRON_LEASE_SECONDS``. So the same services can run on every machine without doubling the sweeps.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable

from flask import current_app
from redis.exceptions import LockError
from redis.lock import Lock
from rq.cron import CronScheduler
from rq.exceptions import StopRequested

from app.jobs import blocking_redis_connection, periodic_jobs, run_job

LEASE_KEY = "podium:cron:lease"
log = logging.getLogger(__name__)


class LeasedCronScheduler(CronScheduler):
    """RQ's scheduler that renews its lease at every heartbeat, and stops if it has lost it."""

    def __init__(self, *, lease: Lock, lease_seconds: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lease = lease
        self.lease_seconds = lease_seconds
        self.lost_lease = False

    def heartbeat(self) -> None:
        super().heartbeat()
        try:
            self.lease.reacquire()
        except LockError:
            self.lost_lease = True
            raise StopRequested() from None

    def calculate_sleep_interval(self) -> float:
        # Wake up (and renew) well before the lease runs out, however far away the next job is.
        return min(super().calculate_sleep_interval(), self.lease_seconds / 3)


def run_cron(announce: Callable[[str], object] = log.info) -> None:
    """Wait for the lease, run the scheduler while it is held, and stand by again if it is lost (a
    pause longer than the lease, Redis restarted); a stop signal ends it and gives the lease back.
    ``announce`` tells the operator which of these this process is doing."""
    connection = blocking_redis_connection()
    seconds = current_app.config["CRON_LEASE_SECONDS"]
    while True:
        lease = connection.lock(LEASE_KEY, timeout=seconds, thread_local=False)
        if not lease.acquire(blocking=False):
            announce("another flask cron holds the lease; standing by to take over")
            try:
                while not lease.acquire(blocking=False):
                    time.sleep(seconds / 3)
            except StopRequested:  # the signal handler a previous turn as the holder left behind
                return
        announce("took the cron lease; enqueuing the periodic jobs")
        scheduler = LeasedCronScheduler(connection=connection, lease=lease, lease_seconds=seconds)
        for kind, queue, interval in periodic_jobs(current_app):
            scheduler.register(run_job, queue, args=(None, kind), interval=interval)
        try:
            scheduler.start()
        finally:
            with contextlib.suppress(LockError):  # expired or taken over: nothing of ours to give back
                lease.release()
        if not scheduler.lost_lease:
            return
        announce("lost the cron lease (held too long without renewal); standing by again")
