"""Backups restore: ``flask backup`` after whole contests (the demo seed runs every stage through the
services, up to paid prizes), ``flask restore`` into a fresh PostgreSQL database, and the copy passes
``flask ledger verify`` and ``flask storage verify`` with every balance equal to the original's."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import backup
from app.core import database_dump
from app.demo import seed_demo
from app.storage import get_storage
from app.submissions import inventory
from tests import services
from tests.conftest import PROJECT_ROOT

BALANCES = (
    "SELECT a.kind, a.owner, e.currency, SUM(e.amount_minor) FROM ledger_entries e "
    "JOIN ledger_accounts a ON a.id = e.account_id GROUP BY a.kind, a.owner, e.currency ORDER BY 1, 2, 3"
)


def flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _psql(url: str):
    return closing(psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(False)))


@pytest.fixture
def fresh_database(test_env):
    url = test_env["DATABASE_URL"] + "_restore"
    services.drop_database(url)
    services.ensure_database(url)
    yield url
    services.drop_database(url)


@pytest.mark.parametrize("backend", ["s3"], indirect=True)
def test_a_backup_after_whole_contests_restores_into_a_fresh_database(
    app, db, backend, test_env, tmp_path, fresh_database
):
    assert seed_demo() is not None
    balances = db.session.execute(text(BALANCES)).all()
    assert any(kind == "paid_out" for kind, *_ in balances) or len(balances) > 5
    env = {
        **os.environ,
        **test_env,
        **{key: str(app.config[key]) for key in ("STORAGE_BACKEND", "S3_ENDPOINT_URL", "S3_BUCKET")},
        "S3_ADDRESSING_STYLE": "path",
    }
    folder = tmp_path / "backup"

    made = flask(env, "backup", str(folder))
    assert made.returncode == 0, made.stderr
    manifest = json.loads((folder / "manifest.json").read_text())
    versions = db.session.execute(
        text("SELECT storage_key, size_bytes, sha256 FROM submission_versions")
    ).all()
    assert manifest["objects"] == len(versions) > 0
    listed = (folder / "objects.csv").read_text().splitlines()
    assert listed[0] == "version_id,storage_key,size_bytes,sha256"
    assert {tuple(line.split(",")[1:]) for line in listed[1:]} == {
        (key, str(size), sha256) for key, size, sha256 in versions
    }

    copy = {**env, "DATABASE_URL": fresh_database}
    restored = flask(copy, "restore", str(folder))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert f"storage holds all {len(versions)} stored object(s) as backed up" in restored.stdout

    ledger = flask(copy, "ledger", "verify")
    assert ledger.returncode == 0 and "ledger verified" in ledger.stdout, ledger.stdout + ledger.stderr
    stored = flask(copy, "storage", "verify")
    assert stored.returncode == 0, stored.stdout + stored.stderr
    assert f"storage verified: {len(versions)} version(s) match" in stored.stdout
    with _psql(fresh_database) as connection:
        assert [tuple(row) for row in connection.execute(BALANCES).fetchall()] == [
            tuple(row) for row in balances
        ]
        restored_event = connection.execute(
            "SELECT data FROM audit_events WHERE action = 'backup.restored'"
        ).fetchall()
    assert [row[0]["objects"] for row in restored_event] == [len(versions)]

    # A restore into a database that holds tables (here the original) is refused with one line.
    again = app.test_cli_runner().invoke(args=["restore", str(folder)])
    assert again.exit_code != 0
    assert again.output.strip().splitlines() == [
        f"Error: restore refused: database {make_url(test_env['DATABASE_URL']).database} already holds "
        f"{_table_count(test_env['DATABASE_URL'])} table(s); restore only into an empty one"
    ]

    # Storage that lost an object after the backup is named by the restore's check.
    lost_key = versions[0][0]
    get_storage().delete(lost_key)
    assert list(backup.check_storage(folder, get_storage())) == [f"{lost_key}: missing from storage"]
    # Bytes of the right size that are not the ones backed up are named too.
    kept_key, kept_size, kept_sha256 = versions[1]
    other = inventory.InventoryRow(0, kept_key, kept_size, "0" * 64)
    assert inventory.problem_with(get_storage(), other, rehash=True) == (
        f"{kept_key}: SHA-256 {kept_sha256} in storage, {'0' * 64} in the backup"
    )
    assert inventory.problem_with(get_storage(), other, rehash=False) is None


def _table_count(url: str) -> int:
    with _psql(url) as connection:
        return connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()[0]


def test_a_damaged_backup_is_refused_before_anything_is_restored(app, db, tmp_path, fresh_database):
    folder = tmp_path / "backup"
    backup.take_backup(app.config["SQLALCHEMY_DATABASE_URI"], folder)
    with (folder / "database.pgdump").open("ab") as dump:
        dump.write(b"x")
    with pytest.raises(backup.BackupError, match=r"database\.pgdump is missing or damaged"):
        backup.restore_database(fresh_database, folder)
    assert _table_count(fresh_database) == 0
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "alembic_revision": "9999"}))
    with pytest.raises(backup.BackupError, match="schema revision '9999' is not one this version"):
        backup.restore_database(fresh_database, folder)
    (folder / "manifest.json").write_text(
        json.dumps({**manifest, "database_file": "../other/database.pgdump"})
    )
    with pytest.raises(backup.BackupError, match="names files a backup does not hold"):
        backup.restore_database(fresh_database, folder)
    (folder / "manifest.json").write_text(json.dumps({**manifest, "objects": "many"}))
    with pytest.raises(backup.BackupError, match="a backup format this version cannot read"):
        backup.restore_database(fresh_database, folder)
    (folder / "manifest.json").unlink()
    with pytest.raises(backup.BackupError, match=r"holds no manifest\.json: it is not a finished backup"):
        backup.restore_database(fresh_database, folder)
    with pytest.raises(backup.BackupError, match="not an empty folder"):
        backup.take_backup(app.config["SQLALCHEMY_DATABASE_URI"], folder)


def test_a_restore_that_fails_its_checks_after_loading_leaves_the_database_empty(
    app, db, tmp_path, fresh_database
):
    good = tmp_path / "good"
    backup.take_backup(app.config["SQLALCHEMY_DATABASE_URI"], good)
    manifest = json.loads((good / "manifest.json").read_text())
    listed = (good / "objects.csv").read_text()
    (good / "objects.csv").write_text(listed + f"1,versions/not-in-the-dump,10,{'0' * 64}\n")
    altered = hashlib.sha256((good / "objects.csv").read_bytes()).hexdigest()
    (good / "manifest.json").write_text(json.dumps({**manifest, "inventory_sha256": altered}))
    with pytest.raises(backup.BackupError, match=r"disagrees with the backup's inventory.*nothing was kept"):
        backup.restore_database(fresh_database, good)
    assert _table_count(fresh_database) == 0  # loaded, found wrong, and emptied again
    (good / "objects.csv").write_text(listed)
    (good / "manifest.json").write_text(json.dumps(manifest))
    backup.restore_database(fresh_database, good)  # the same target takes the right backup afterwards
    assert _table_count(fresh_database) > 0


def test_a_client_older_than_the_server_is_refused(db):
    major = database_dump.client_major("pg_dump")
    with pytest.raises(database_dump.BackupError, match=f"pg_dump {major} is older than the server"):
        database_dump.require_client_for("pg_dump", major + 1, "the server")


def test_the_embedded_sqlite_database_backs_up_and_restores(tmp_path, test_env):
    """SQLite is copied with its online backup API; the restore refuses a file that holds tables."""
    from flask_migrate import upgrade

    from app import create_app
    from config import TestingConfig

    live = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    with create_app(TestingConfig({**os.environ, **test_env, "DATABASE_URL": live})).app_context():
        upgrade()
    manifest = backup.take_backup(live, tmp_path / "backup")
    assert (manifest.database, manifest.objects) == ("sqlite", 0)
    copy = tmp_path / "copy.sqlite3"
    assert backup.restore_database(f"sqlite:///{copy}", tmp_path / "backup") == manifest
    with (
        closing(sqlite3.connect(copy)) as restored,
        closing(sqlite3.connect(tmp_path / "live.sqlite3")) as original,
    ):
        tables = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        assert restored.execute(tables).fetchall() == original.execute(tables).fetchall()
        assert restored.execute("SELECT version_num FROM alembic_version").fetchone() == (
            manifest.alembic_revision,
        )
    with pytest.raises(backup.BackupError, match=r"restore refused: database .*live\.sqlite3 already holds"):
        backup.restore_database(live, tmp_path / "backup")


def test_the_dump_and_the_inventory_see_the_same_instant_while_others_write(
    app, db, tmp_path, fresh_database
):
    """What commits after the snapshot is exported is in neither the dump nor what the backup reads."""
    from app.core import audit

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with database_dump.exported_snapshot(url) as (connection, snapshot):
        audit.record("test.written_during_the_backup", subject_type="test")
        db.session.commit()
        database_dump.pg_dump(url, snapshot, tmp_path / "database.pgdump")
        seen_by_the_backup = connection.execute(text("SELECT count(*) FROM audit_events")).scalar()
    database_dump.pg_restore(fresh_database, tmp_path / "database.pgdump")
    with _psql(fresh_database) as restored:
        assert restored.execute("SELECT count(*) FROM audit_events").fetchone()[0] == seen_by_the_backup == 0
    assert db.session.execute(text("SELECT count(*) FROM audit_events")).scalar() == 1
