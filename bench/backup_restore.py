"""Benchmark: how long ``flask backup`` and ``flask restore`` take on a PostgreSQL database of a stated
size (the figure the README quotes).

Run from the project root: ``.venv/bin/python -m bench.backup_restore [--rows N]`` with PostgreSQL on
``BENCH_DATABASE_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/podium_bench``; the
database and ``<name>_restored`` are created, then dropped). It builds the schema with the migrations,
fills the audit trail with N events of about half a kilobyte each (partly random, so the dump
compresses about as much as real rows do) (the table that grows fastest in
real use), then times the backup and the restore of the database. The storage check after a restore
re-reads every object at the storage's own read speed, as ``flask storage verify`` does; it is not
part of these figures. Prints each figure beside its target and exits 0 either way.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from contextlib import closing
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from app import backup

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/podium_bench"
BACKUP_TARGET_SECONDS_PER_GIB = 120.0
RESTORE_TARGET_SECONDS_PER_GIB = 300.0


def _admin(url: str):
    admin = make_url(url).set(drivername="postgresql", database="postgres")
    return closing(psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True))


def _recreate(url: str) -> None:
    name = make_url(url).database
    with _admin(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def _drop(url: str) -> None:
    with _admin(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _fill(url: str, rows: int) -> int:
    """Migrate, add ``rows`` audit events, and return the database's size in bytes."""
    from flask_migrate import upgrade

    from app import create_app
    from config import TestingConfig

    app = create_app(TestingConfig({**os.environ, "DATABASE_URL": url}))
    with app.app_context():
        upgrade()
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with closing(psycopg.connect(plain, autocommit=True)) as connection:
        connection.execute(
            "INSERT INTO audit_events (occurred_at, action, subject_type, subject_id, data) "
            "SELECT now() - make_interval(secs => g), 'bench.event', 'bench', g::text, "
            "json_build_object('n', g, 'note', md5(g::text) || repeat(' padding', 20), "
            "'digest', md5(random()::text) || md5(random()::text) || md5(random()::text) "
            "|| md5(random()::text) || md5(random()::text) || md5(random()::text)) "
            "FROM generate_series(1, %s) AS g",
            (rows,),
        )
        connection.execute("VACUUM ANALYZE audit_events")
        return int(connection.execute("SELECT pg_database_size(current_database())").fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="audit events to add (default 1,000,000)")
    options = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    restored_url = str(make_url(url).set(database=f"{make_url(url).database}_restored"))
    folder = Path(tempfile.mkdtemp(prefix="podium-bench-backup-"))
    try:
        _recreate(url)
        size = _fill(url, options.rows)
        gib = size / 1024**3
        started = time.perf_counter()
        manifest = backup.take_backup(url, folder / "backup")
        backup_seconds = time.perf_counter() - started
        dump_bytes = (folder / "backup" / manifest.database_file).stat().st_size
        _recreate(restored_url)
        started = time.perf_counter()
        backup.restore_database(restored_url, folder / "backup")
        restore_seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        _drop(url)
        _drop(restored_url)
    print(
        f"database: {size / 1024**2:,.0f} MiB ({options.rows:,} audit events); dump {dump_bytes / 1024**2:,.0f} MiB"
    )
    for what, seconds, target in (
        ("backup", backup_seconds, BACKUP_TARGET_SECONDS_PER_GIB),
        ("restore", restore_seconds, RESTORE_TARGET_SECONDS_PER_GIB),
    ):
        per_gib = seconds / gib
        verdict = "PASS" if per_gib <= target else "MISS"
        print(
            f"{what}: {seconds:.1f} s, {per_gib:.0f} s per GiB (target <= {target:.0f} s per GiB) {verdict}"
        )


if __name__ == "__main__":
    main()
