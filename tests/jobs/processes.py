"""Processes the recovery tests start, watch and kill by PID: workers, `flask cron`, a throwaway
redis-server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition: Callable[[], object], *, within: float, what: str) -> object:
    """Poll ``condition`` until it returns something truthy; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {within} s")
        time.sleep(0.1)


def start_flask(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", *command],
            cwd=PROJECT_ROOT,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def children(pid: int) -> list[int]:
    """The processes ``pid`` forked: a worker's scheduler and, while it runs a job, its work horse."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(child) for child in text.split()]


def work_horse(worker_pid: int) -> int | None:
    """RQ's work horse is the child that leads a process group of its own (it calls setpgrp)."""
    for child in children(worker_pid):
        try:
            if os.getpgid(child) == child:
                return child
        except ProcessLookupError:
            continue
    return None


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting to be reaped does not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


def kill_and_reap(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL a process we started and everything it forked (by their PIDs), and reap it."""
    forked = children(process.pid)
    kill(process.pid)
    process.wait(timeout=10)
    for child in forked:
        kill(child)


def port_is_open(port: int) -> bool:
    with closing(socket.socket()) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_redis(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    """A redis-server of the test's own, keeping nothing on disk: a restart comes back empty."""
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: port_is_open(port), within=10, what="redis-server to listen")
    return process
