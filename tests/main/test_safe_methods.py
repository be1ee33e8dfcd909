"""A request that may only read (GET, HEAD, OPTIONS) cannot write to the database: the session
refuses the flush and nothing is stored. A POST to the same code writes as usual."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select, update

from app.core import audit
from app.core.audit import AuditEvent
from app.core.safe_methods import WriteOnSafeMethod
from app.extensions import csrf
from app.extensions import db as database


@pytest.fixture
def writing_app(test_env, app, db):
    """A second app on the tests' database with two routes that write whatever the method."""
    from app.factory import create_app
    from config import TestingConfig

    writer = create_app(TestingConfig({**os.environ, **test_env}))

    @writer.route("/test-only/add", methods=["GET", "POST"])
    def add_row():
        audit.record("test.written", subject_type="test", subject_id=1)
        database.session.commit()
        return "written"

    @writer.route("/test-only/update", methods=["GET", "POST"])
    def update_rows():
        database.session.execute(update(AuditEvent).values(action="test.changed"))
        database.session.commit()
        return "changed"

    csrf.exempt(add_row)
    csrf.exempt(update_rows)
    return writer


def _events() -> int:
    database.session.rollback()
    return database.session.scalar(select(func.count()).select_from(AuditEvent))


def _refused(response, caplog, what: str) -> bool:
    """A server error whose logged cause is the guard's refusal of ``what``."""
    causes = [record.exc_info[1] for record in caplog.records if record.exc_info]
    return response.status_code == 500 and any(
        isinstance(cause, WriteOnSafeMethod) and f"{what} may only read" in str(cause) for cause in causes
    )


@pytest.mark.parametrize("method", ["GET", "HEAD"])  # Flask answers OPTIONS itself
def test_a_read_that_tries_to_write_is_refused_and_writes_nothing(writing_app, method, caplog):
    response = writing_app.test_client().open("/test-only/add", method=method)
    assert _refused(response, caplog, f"{method} /test-only/add")
    assert _events() == 0


def test_a_post_writes_and_a_get_cannot_change_the_rows_in_bulk(writing_app, caplog):
    client = writing_app.test_client()
    assert client.post("/test-only/add").get_data(as_text=True) == "written"
    assert _events() == 1
    assert _refused(client.get("/test-only/update"), caplog, "GET /test-only/update")
    database.session.rollback()
    assert database.session.scalar(select(AuditEvent.action)) == "test.written"
    assert client.post("/test-only/update").get_data(as_text=True) == "changed"
