"""``flask cron`` on two machines: one holds the lease and enqueues the periodic jobs, the other stands
by, and takes over when the first is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from rq import cron_scheduler_registry

from app.cron import LEASE_KEY
from tests.conftest import PROJECT_ROOT


def _working_pids(redis) -> set[int]:
    """The processes whose cron scheduler is registered in Redis: only a lease holder registers."""
    return {int(name.split(":")[1]) for name in cron_scheduler_registry.get_keys(redis)}


def _holders(logs: dict[int, Path]) -> set[int]:
    """The processes whose latest word on the lease is that they took it."""
    holders = set()
    for pid, log in logs.items():
        said = [
            line for line in log.read_text().splitlines() if "cron lease" in line or "standing by" in line
        ]
        if said and "took the cron lease" in said[-1]:
            holders.add(pid)
    return holders


def _wait_for(check, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_second_cron_stands_by_and_takes_over_when_the_first_is_killed(redis, test_env, tmp_path):
    env = {**os.environ, **test_env, "CRON_LEASE_SECONDS": "3", "SWEEP_INTERVAL_SECONDS": "3600"}
    crons = []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            crons.append(
                subprocess.Popen(
                    [sys.executable, "-m", "flask", "--app", "app", "cron"],
                    cwd=PROJECT_ROOT,
                    env={**env, "PODIUM_INSTANCE_PATH": str(tmp_path / name), "TMPDIR": str(tmp_path / name)},
                    stdout=subprocess.DEVNULL,
                    stderr=(tmp_path / f"{name}.log").open("w"),
                )
            )
        pids = {process.pid: process for process in crons}
        logs = {process.pid: tmp_path / f"{name}.log" for process, name in zip(crons, "ab", strict=True)}
        (leader,) = _wait_for(lambda: _working_pids(redis) & set(pids), "one cron to take the lease")
        (standby,) = set(pids) - {leader}
        _wait_for(lambda: "standing by" in logs[standby].read_text(), "the other cron to stand by")
        assert _working_pids(redis) & set(pids) == {leader}

        # A lease lost under the working one (Redis restarted, a long pause) sends it back to stand by.
        redis.delete(LEASE_KEY)
        _wait_for(lambda: "lost the cron lease" in logs[leader].read_text(), "the working cron to notice")
        _wait_for(lambda: redis.get(LEASE_KEY), "a cron to take the lease again")
        (leader,) = _wait_for(lambda: _holders(logs), "one cron to hold the lease again")
        (standby,) = set(pids) - {leader}
        assert all(process.poll() is None for process in crons)

        pids[leader].kill()  # no goodbye: its lease must run out on its own
        pids[leader].wait(timeout=10)
        _wait_for(lambda: standby in _holders(logs), "the standby to take over", timeout=20)
        _wait_for(lambda: standby in _working_pids(redis), "the standby's scheduler to register")
        assert pids[standby].poll() is None
    finally:
        for process in crons:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in crons:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
