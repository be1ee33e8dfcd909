"""Shared fixtures: the app on real PostgreSQL and Redis, a clean database per test, clients per
role, S3 over HTTP, a loopback SMTP server, and a real RQ worker process.

Unit tests under tests/unit request none of these, so they run without any service.
"""

from __future__ import annotations

import contextvars
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import exists, literal, select, text, union_all
from sqlalchemy.exc import IntegrityError

from tests import services
from tests.smtp import Mailbox, start_smtp_server

PROJECT_ROOT = Path(__file__).resolve().parent.parent
pytest_plugins = ["tests.scenes"]
TEST_PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def service_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("services")


@pytest.fixture(scope="session")
def s3_endpoint(service_dir: Path) -> Iterator[str]:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    process, endpoint = services.start_moto_server(service_dir)
    yield endpoint
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    port = services.free_port()
    controller, mailbox = start_smtp_server(port)
    yield port, mailbox
    controller.stop()


@pytest.fixture(scope="session")
def test_env(service_dir: Path, smtp_server: tuple[int, Mailbox]) -> dict[str, str]:
    """The environment both the app under test and the worker subprocess are configured from."""
    smtp_port, _ = smtp_server
    return {
        "PODIUM_ENV": "testing",
        "PODIUM_INSTANCE_PATH": str(service_dir / "instance"),
        "DATABASE_URL": services.database_url(),
        "REDIS_URL": services.redis_url(),
        "STORAGE_BACKEND": "local",
        "STORAGE_LOCAL_ROOT": str(service_dir / "storage"),
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "MAIL_TIMEOUT": "5",
        "JOB_RETRIES": "2",
        "JOB_RETRY_INTERVALS": "0",
        "INTERNAL_EMAIL_DOMAINS": "",
        "SECRET_KEY": "testing-secret",
    }


class IsolatedClient(FlaskClient):
    """A test client whose requests run in a fresh context, as real requests do.

    Tests hold an app context open to use the database; without this, every request would reuse it
    and share ``g`` (and the cached user and CSRF token) across requests, which hides real bugs.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(test_env: dict[str, str]) -> Iterator[Flask]:
    from flask_migrate import upgrade

    from app import create_app
    from config import TestingConfig

    services.ensure_database(test_env["DATABASE_URL"])
    flask_app = create_app(TestingConfig({**os.environ, **test_env}))
    flask_app.test_client_class = IsolatedClient
    with flask_app.app_context():
        from app.extensions import db

        # Start from nothing so the schema is exactly what the migrations build.
        db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()
        upgrade()
    yield flask_app
    if services.owns_database():
        with flask_app.app_context():
            from app.extensions import db

            db.engine.dispose()
        services.drop_database(test_env["DATABASE_URL"])


@pytest.fixture
def db(app: Flask) -> Iterator[object]:
    """The database inside an app context, emptied after each test."""
    from app.extensions import db as database

    context = app.app_context()
    context.push()
    yield database
    database.session.rollback()
    database.session.remove()
    _empty_the_used_tables(database)
    database.session.commit()
    database.session.remove()
    context.pop()


def _empty_the_used_tables(database) -> None:
    """Leave every table empty and every id sequence at 1, touching only what the test used.

    TRUNCATE of all sixty-odd tables cost half a second per test, most of a full run; a test uses a
    few. Those holding rows are emptied with DELETE, children first, and only the sequences that moved
    are reset. A cycle of foreign keys that DELETE cannot untangle falls back to TRUNCATE.
    """
    session = database.session
    tables = database.metadata.sorted_tables
    probes = union_all(*(select(literal(table.name)).where(exists().select_from(table)) for table in tables))
    holding_rows = set(session.scalars(probes))
    moved = session.execute(text(_MOVED_SEQUENCES)).all()
    try:
        with session.begin_nested():
            for table in reversed(tables):
                if table.name in holding_rows:
                    session.execute(table.delete())
    except IntegrityError:
        session.execute(text("TRUNCATE " + ", ".join(f'"{name}"' for name in holding_rows) + " CASCADE"))
    for (sequence,) in moved:
        session.execute(text("SELECT setval(:sequence, 1, false)"), {"sequence": f'public."{sequence}"'})


# Sequences that handed out at least one value since they were last reset.
_MOVED_SEQUENCES = (
    "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"
)


@pytest.fixture
def redis(app: Flask, db: object) -> Iterator[Redis]:
    from app.jobs import redis_connection

    connection = redis_connection()
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.fixture(params=["local", "s3"])
def backend(request, app, db, redis, tmp_path):
    """Run the test once on local disk and once on S3 over HTTP."""
    saved = {
        key: app.config[key]
        for key in ("STORAGE_BACKEND", "STORAGE_LOCAL_ROOT", "S3_ENDPOINT_URL", "S3_BUCKET")
    }
    saved["S3_ADDRESSING_STYLE"] = app.config["S3_ADDRESSING_STYLE"]
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        app.config.update(
            STORAGE_BACKEND="s3",
            S3_ENDPOINT_URL=endpoint,
            S3_BUCKET=f"podium-{uuid.uuid4().hex[:12]}",
            S3_ADDRESSING_STYLE="path",
        )
    else:
        app.config.update(STORAGE_BACKEND="local", STORAGE_LOCAL_ROOT=str(tmp_path / "storage"))
    app.extensions.pop("podium_storage", None)
    from app.storage import get_storage

    get_storage().ensure_ready()
    yield request.param
    app.config.update(saved)
    app.extensions.pop("podium_storage", None)


@pytest.fixture
def client(app: Flask, db: object) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def mailbox(smtp_server: tuple[int, Mailbox]) -> Mailbox:
    _, box = smtp_server
    box.clear()
    return box


@pytest.fixture
def run_worker(test_env: dict[str, str], redis: Redis) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run a real RQ worker process in burst mode until the queues are empty.

    Keyword arguments override the worker's environment, e.g. to point it at a dead SMTP port.
    """

    def run(**env_overrides: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **test_env, **env_overrides}
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "worker", "--burst"],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    return run


@pytest.fixture
def make_user(db: object) -> Callable[..., object]:
    """Create a user through the real service, address confirmed (``verified=False`` for one who has not
    opened the link yet); roles default to contributor."""
    from app.accounts import services as account_services
    from app.core.access import Role

    def make(
        email: str,
        *roles: Role,
        name: str = "Test Person",
        password: str = TEST_PASSWORD,
        verified: bool = True,
    ) -> object:
        return account_services.register_user(
            email, name, password, roles=roles or (Role.CONTRIBUTOR,), email_verified=verified
        )

    return make


@pytest.fixture
def login(app: Flask) -> Callable[..., FlaskClient]:
    """A fresh client signed in through the real login form, CSRF token and all."""

    def sign_in(email: str, password: str = TEST_PASSWORD) -> FlaskClient:
        browser = app.test_client()
        page = browser.get("/login")
        token = extract_csrf(page.get_data(as_text=True))
        response = browser.post("/login", data={"email": email, "password": password, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        return browser

    return sign_in


def extract_csrf(html: str) -> str:
    marker = 'name="csrf_token" type="hidden" value="'
    start = html.find(marker)
    if start == -1:
        marker = 'name="csrf_token" value="'
        start = html.find(marker)
    assert start != -1, "no CSRF token on the page"
    start += len(marker)
    return html[start : html.index('"', start)]
