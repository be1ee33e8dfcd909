"""The committed migrations build exactly the schema the models describe, on PostgreSQL and SQLite."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from app import create_app
from app.extensions import db
from config import TestingConfig


def _differences(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrations_match_models_on_postgresql(app, db):
    # The session-wide app fixture built its schema with `upgrade()` from an empty database.
    assert _differences(db.engine) == []


def test_migrations_build_and_drop_the_schema_on_sqlite(tmp_path, test_env):
    env = {**os.environ, **test_env, "DATABASE_URL": f"sqlite:///{tmp_path / 'podium.sqlite3'}"}
    sqlite_app = create_app(TestingConfig(env))
    with sqlite_app.app_context():
        upgrade()
        assert _differences(db.engine) == []
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "organizations", "audit_events", "job_records", "outbox_messages"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_a_model_change_without_a_migration_is_detected(tmp_path, test_env):
    """The comparison above can fail: a column the migrations lack shows up as a difference."""
    from sqlalchemy import Column, Integer, MetaData, String, Table

    engine = create_engine(f"sqlite:///{tmp_path / 'drift.sqlite3'}")
    sqlite_app = create_app(TestingConfig({**os.environ, **test_env, "DATABASE_URL": str(engine.url)}))
    with sqlite_app.app_context():
        upgrade()
        drifted = MetaData()
        for table in db.metadata.sorted_tables:
            table.to_metadata(drifted)
        Table("users", drifted, Column("nickname", String(40)), extend_existing=True)
        Table("extra_table", drifted, Column("id", Integer, primary_key=True))
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            changes = compare_metadata(context, drifted)
        db.engine.dispose()
    kinds = {change[0] if isinstance(change, tuple) else change[0][0] for change in changes}
    assert "add_table" in kinds
    assert "add_column" in kinds


@pytest.fixture(autouse=True)
def _aws_env_not_needed():
    yield
