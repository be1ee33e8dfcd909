"""A database or queue that is down or too slow: 503 with Retry-After, as a page for people and as
problem details for the API; never a 500. And every wait on the database is bounded."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from app import create_app
from app.core.outages import outage_for
from config import TestingConfig
from tests.services import free_port


@pytest.fixture
def app_without_database(test_env, tmp_path):
    """The app as configured for the tests, but its database is a port where nothing listens."""
    dead = f"postgresql://podium@127.0.0.1:{free_port()}/podium"
    return create_app(TestingConfig({**os.environ, **test_env, "DATABASE_URL": dead}))


def test_a_page_while_the_database_is_down_is_a_503_page_not_a_500(app_without_database):
    response = app_without_database.test_client().get("/challenges/")

    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.headers["Retry-After"] == "60"
    html = response.get_data(as_text=True)
    assert "<h1>Service unavailable</h1>" in html
    assert "The database is not answering right now; try again in a minute." in html
    assert 'href="/challenges/">Try again</a>' in html


def test_the_api_while_the_database_is_down_is_a_503_problem(app_without_database):
    response = app_without_database.test_client().get(
        "/api/v1/me",
        headers={"Authorization": f"Bearer pdm_{'0' * 12}_{'a' * 43}"},  # well-formed
    )

    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "60"
    assert response.get_json() == {
        "type": "about:blank",
        "title": "Service unavailable",
        "status": 503,
        "detail": "The database is not answering right now; try again in a minute.",
        "code": "database_unavailable",
    }


def test_a_sign_in_posted_while_the_database_is_down_is_a_503_page(app_without_database):
    app_without_database.config["WTF_CSRF_ENABLED"] = False
    response = app_without_database.test_client().post(
        "/login", data={"email": "alice@outside.example", "password": "correct horse battery"}
    )

    assert response.status_code == 503
    assert "Go back to the form and send it again." in response.get_data(as_text=True)


def test_a_query_past_the_statement_timeout_is_cut_off_and_answered_503(test_env, db):
    slow_app = create_app(TestingConfig({**os.environ, **test_env, "DATABASE_STATEMENT_TIMEOUT": "1"}))
    with slow_app.app_context():
        from app.extensions import db as slow_db

        assert slow_db.session.scalar(text("SHOW statement_timeout")) == "1s"
        with pytest.raises(Exception) as raised:
            slow_db.session.execute(text("SELECT pg_sleep(3)"))
        outage = outage_for(raised.value)
        slow_db.session.rollback()
        slow_db.engine.dispose()
    assert outage is not None
    assert (outage.status, outage.code, outage.retry_after_seconds) == (503, "database_timeout", 60)
    assert outage.message == "The database took too long to answer; try again in a minute."


def test_the_database_waits_are_bounded_by_default(app, db):
    assert db.session.scalar(text("SHOW statement_timeout")) == "30s"
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"]["connect_timeout"] == 5
    assert options["pool_timeout"] == 5


def test_a_queue_that_is_down_is_a_503_not_a_500(app, db, login, make_user):
    """The admin's queue page reads Redis; with Redis gone it says so with a 503."""
    from app.core.access import Role

    make_user("root@host.example", Role.ADMIN)
    browser = login("root@host.example")
    saved = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    app.extensions.pop("podium_redis", None)
    try:
        response = browser.get("/admin/jobs/queues")
    finally:
        app.config["REDIS_URL"] = saved
        app.extensions.pop("podium_redis", None)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert "The job queue cannot be reached; try again in a minute." in response.get_data(as_text=True)


def test_a_signed_in_person_gets_the_503_page_too_while_the_database_is_down(
    app, db, make_user, login, app_without_database
):
    make_user("alice@outside.example")
    signed_in = login("alice@outside.example")
    cookie = signed_in.get_cookie("session")
    assert cookie is not None
    browser = app_without_database.test_client()
    browser.set_cookie("session", cookie.value)

    response = browser.get("/submissions/mine")

    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "The database is not answering right now; try again in a minute." in html
    assert 'href="/submissions/mine">Try again</a>' in html


def test_sqlite_outages_are_outages_but_a_missing_table_is_a_bug(app, tmp_path):
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    engine = create_engine(f"sqlite:///{tmp_path / 'podium.sqlite3'}", connect_args={"timeout": 0})
    holder = engine.connect()
    holder.exec_driver_sql("CREATE TABLE entries (id INTEGER)")
    holder.commit()
    holder.exec_driver_sql("BEGIN EXCLUSIVE")
    with engine.connect() as waiting, pytest.raises(OperationalError) as locked:
        waiting.exec_driver_sql("INSERT INTO entries VALUES (1)")
    holder.rollback()
    with engine.connect() as reader, pytest.raises(OperationalError) as missing:
        reader.exec_driver_sql("SELECT * FROM nowhere")
    holder.close()
    engine.dispose()
    with app.app_context():
        busy = outage_for(locked.value)
        assert busy is not None and (busy.status, busy.code) == (503, "database_busy")
        assert outage_for(missing.value) is None  # answered as the 500 it is


def test_the_api_document_says_every_operation_may_answer_503_with_retry_after(app, db):
    document = app.test_client().get("/api/v1/openapi.json").get_json()

    operations = [operation for path in document["paths"].values() for operation in path.values()]
    assert operations
    for operation in operations:
        assert operation["responses"]["503"] == {"$ref": "#/components/responses/Problem503"}
    answer = document["components"]["responses"]["Problem503"]
    assert answer["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 0}
    assert answer["description"].startswith("The database, the job queue or file storage is not answering")
