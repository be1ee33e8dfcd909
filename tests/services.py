"""Starting and finding the real services the tests talk to: PostgreSQL, Redis, S3 and SMTP.

The test command (bin/test) makes sure PostgreSQL and Redis are listening and exports their URLs;
these helpers only read the URLs, create the tests' own database, and run the per-session servers
(moto's S3 server and an aiosmtpd SMTP server) on free loopback ports.
"""

from __future__ import annotations

import atexit
import functools
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/podium_test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def database_url() -> str:
    """The database of this test process: TEST_DATABASE_URL (set by bin/test), or one of its own.

    Without the variable, each pytest process gets ``podium_test_<pid>``, dropped at the end, so
    several runs on one machine never empty each other's tables. Under pytest-xdist each worker
    process adds its worker id to the configured name, for the same reason.
    """
    configured = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if configured and worker:
        return configured + f"_{worker}"
    if configured:
        return configured
    return DEFAULT_DATABASE_URL + f"_{os.getpid()}"


def owns_database() -> bool:
    """Whether this process made its database up (and so drops it at the end)."""
    return "TEST_DATABASE_URL" not in os.environ or "PYTEST_XDIST_WORKER" in os.environ


def drop_database(url: str) -> None:
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    with closing(psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True)) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


@functools.cache
def redis_url() -> str:
    """TEST_REDIS_URL (set by bin/test), or a Redis database of this test process's own.

    Under pytest-xdist every worker process claims its own database on TEST_REDIS_URL's server. Runs
    side by side on one machine must not share a database: one run's fixtures flush it and
    one run's worker would take the other's jobs. Each run claims a free database number with a key
    in database 0 (which no test flushes), taking over claims whose process has died.
    """
    configured = os.environ.get("TEST_REDIS_URL")
    if configured and "PYTEST_XDIST_WORKER" not in os.environ:
        return configured
    from redis import Redis

    base = (configured or DEFAULT_REDIS_URL).rsplit("/", 1)[0]
    claims = Redis.from_url(f"{base}/0")
    # Databases 1-14: 0 holds the claims, and 15 is the one bin/test gives the CI run.
    first = os.getpid() % 14
    in_use = _databases_with_clients(claims)
    for offset in range(14):
        number = 1 + (first + offset) % 14
        key = f"podium-test-claim:{number}"
        holder = claims.get(key)
        if holder is not None and _alive(int(holder)):
            continue
        if number in in_use:
            continue  # a worker left behind by a run that died still takes jobs from it
        if holder is None and not claims.set(key, os.getpid(), nx=True, ex=6 * 3600):
            continue
        if holder is not None:
            claims.set(key, os.getpid(), ex=6 * 3600)
        atexit.register(_release_claim, claims, key)
        return f"{base}/{number}"
    raise RuntimeError("all 14 test Redis databases are claimed by live test runs")


def _databases_with_clients(connection) -> set[int]:
    """Redis databases someone is connected to now, such as the worker processes of a test run that was
    killed: its claim is gone, but its workers would take (and fail) the next run's jobs."""
    return {int(client["db"]) for client in connection.client_list()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _release_claim(claims, key: str) -> None:
    if claims.get(key) == str(os.getpid()).encode():
        claims.delete(key)


def ensure_database(url: str) -> None:
    """Create the tests' PostgreSQL database if it is missing (connecting to the server's default)."""
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    dsn = admin.render_as_string(hide_password=False)
    with closing(psycopg.connect(dsn, autocommit=True)) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{parsed.database}"')


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto_server(log_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """moto's standalone S3 server as a subprocess on a free port: a real S3 API over HTTP."""
    port = free_port()
    executable = Path(sys.executable).with_name("moto_server")
    log = (log_dir / "moto.log").open("wb")
    process = subprocess.Popen(
        [str(executable), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=1).close()  # noqa: S310 - loopback
            return process, endpoint
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"moto_server exited early; see {log.name}") from None
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("moto_server did not start within 30 s")
