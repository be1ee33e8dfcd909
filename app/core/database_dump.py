"""A consistent copy of the whole database and its restore into an empty one.

PostgreSQL is copied by ``pg_dump`` (custom format) inside a snapshot the caller exported, so the dump
and anything else read in that snapshot (the storage inventory) describe one instant; it comes back
with ``pg_restore`` in a single transaction, all or nothing. The embedded SQLite default is copied with
SQLite's online backup API, which gives the same guarantee for one file. The client programs must be at
least the server's major version: an older ``pg_dump`` refuses a newer server, and a dump restored by an
older ``pg_restore`` or into an older server may fail half-way, so both are refused up front.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message is one line saying why."""


def kind_of(url: str) -> str:
    """``postgresql`` or ``sqlite``, the two databases Podium runs on."""
    backend = make_url(url).get_backend_name()
    if backend not in ("postgresql", "sqlite"):
        raise BackupError(f"backups support PostgreSQL and SQLite, not {backend}")
    return backend


def client_major(program: str) -> int:
    """The major version of ``pg_dump`` or ``pg_restore`` on PATH."""
    path = shutil.which(program)
    if path is None:
        raise BackupError(f"{program} is not on PATH; install the PostgreSQL client programs")
    answer = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    found = re.search(r"\(PostgreSQL\) (\d+)", answer.stdout)
    if answer.returncode != 0 or found is None:
        raise BackupError(f"could not read the version of {path}: {answer.stdout or answer.stderr}".strip())
    return int(found.group(1))


def server_major(connection: Connection) -> int:
    return int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def require_client_for(program: str, needed_major: int, what: str) -> int:
    """Refuse a client program older than ``needed_major``; return its major version."""
    major = client_major(program)
    if major < needed_major:
        raise BackupError(
            f"{program} {major} is older than {what} (PostgreSQL {needed_major}); "
            f"install postgresql-client-{needed_major} or newer"
        )
    return major


def table_count(connection: Connection) -> int:
    """Tables in the database's default schema: zero means it is empty and may receive a restore."""
    return len(inspect(connection).get_table_names())


@contextmanager
def exported_snapshot(url: str) -> Iterator[tuple[Connection, str]]:
    """A read-only repeatable-read transaction and the id of its exported snapshot, for pg_dump.

    Everything read on the yielded connection sees exactly what ``pg_dump --snapshot`` dumps, as long
    as the transaction stays open, which it does until the block ends.
    """
    engine = create_engine(sqlalchemy_url(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                connection.execute(text("SET TRANSACTION READ ONLY"))
                snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                yield connection, snapshot
    finally:
        engine.dispose()


def pg_dump(url: str, snapshot: str, target: Path) -> None:
    """Dump the database as it was in ``snapshot`` to ``target`` (custom format, compressed)."""
    conninfo, env = _libpq(url)
    _run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--snapshot={snapshot}",
            f"--file={target}",
            f"--dbname={conninfo}",
        ],
        env,
    )


def pg_restore(url: str, source: Path) -> None:
    """Load a custom-format dump into the database in one transaction: all of it, or nothing."""
    conninfo, env = _libpq(url)
    _run(
        [
            "pg_restore",
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            f"--dbname={conninfo}",
            str(source),
        ],
        env,
    )


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up or restore into")
    return Path(database)


def sqlite_copy(source: Path, target: Path) -> None:
    """Copy one SQLite file to another through the online backup API: a consistent copy even while
    other processes write, never a half-written page."""
    reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    with closing(reader), closing(sqlite3.connect(target)) as writer:
        reader.backup(writer)


def sqlalchemy_url(url: str) -> URL:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, which goes in the child's environment only
    (a command line is readable by every user of the machine)."""
    parsed = make_url(url)
    plain = parsed.set(drivername="postgresql", password=None)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    program = shutil.which(command[0])
    if program is None:
        raise BackupError(f"{command[0]} is not on PATH; install the PostgreSQL client programs")
    answer = subprocess.run(  # noqa: S603 - our own fixed arguments
        [program, *command[1:]], env=env, capture_output=True, text=True, check=False
    )
    if answer.returncode != 0:
        last = (answer.stderr.strip() or answer.stdout.strip() or "no message").splitlines()[-1]
        raise BackupError(f"{command[0]} failed: {last}")
