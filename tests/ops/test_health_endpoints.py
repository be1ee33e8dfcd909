"""``/healthz`` says the process answers; ``/readyz`` says whether the database, the migrations, Redis and
storage are usable right now, and names the one that is not."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from app import create_app
from config import TestingConfig
from tests.services import free_port


def _app_with(test_env, **broken):
    """A second app like the tests' own, with one dependency pointed at a port nothing listens on."""
    return create_app(TestingConfig({**os.environ, **test_env, **broken}))


def test_healthz_answers_while_the_process_lives_even_with_every_dependency_down(test_env):
    dead = f"127.0.0.1:{free_port()}"
    app = _app_with(
        test_env, DATABASE_URL=f"postgresql://postgres@{dead}/podium", REDIS_URL=f"redis://{dead}/0"
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_when_database_migrations_redis_and_storage_all_answer(client, redis, backend):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ready"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "migrations": True,
        "redis": True,
        "storage": True,
    }
    assert body["checks"]["migrations"]["detail"].startswith("The database is at the latest revision")
    expected = "The storage bucket answers." if backend == "s3" else "The storage folder can be written to."
    assert body["checks"]["storage"]["detail"] == expected


def _not_ready(app) -> dict:
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    return body["checks"]


def test_readyz_names_redis_when_redis_is_down_and_says_nothing_of_where_it_is(test_env):
    port = free_port()
    checks = _not_ready(_app_with(test_env, REDIS_URL=f"redis://127.0.0.1:{port}/0"))
    assert checks["redis"] == {"ok": False, "detail": "Redis cannot be reached."}
    assert checks["database"]["ok"] and checks["migrations"]["ok"] and checks["storage"]["ok"]
    assert str(port) not in str(checks)


def test_readyz_names_the_database_when_it_is_down_and_cannot_vouch_for_the_migrations(test_env):
    checks = _not_ready(_app_with(test_env, DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/x"))
    assert checks["database"] == {"ok": False, "detail": "The database cannot be reached."}
    assert checks["migrations"] == {"ok": False, "detail": "Unknown: the database cannot be reached."}
    assert checks["redis"]["ok"] and checks["storage"]["ok"]


def test_readyz_names_storage_when_the_s3_endpoint_is_down(test_env):
    checks = _not_ready(
        _app_with(
            test_env,
            STORAGE_BACKEND="s3",
            S3_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}",
            S3_ADDRESSING_STYLE="path",
        )
    )
    assert checks["storage"] == {"ok": False, "detail": "Storage cannot be reached."}
    assert checks["database"]["ok"] and checks["redis"]["ok"]


def test_readyz_names_storage_when_the_bucket_does_not_exist(app, client, db, redis, s3_endpoint):
    saved = {key: app.config[key] for key in ("STORAGE_BACKEND", "S3_ENDPOINT_URL", "S3_BUCKET")}
    app.config.update(STORAGE_BACKEND="s3", S3_ENDPOINT_URL=s3_endpoint, S3_BUCKET="podium-never-made")
    app.extensions.pop("podium_storage", None)
    try:
        checks = _not_ready(app)
    finally:
        app.config.update(saved)
        app.extensions.pop("podium_storage", None)
    assert checks["storage"] == {"ok": False, "detail": "Storage cannot be reached."}


def test_readyz_names_the_migrations_when_the_database_is_behind_the_code(app, db, redis):
    (current,) = db.session.execute(text("SELECT version_num FROM alembic_version")).one()
    db.session.execute(text("UPDATE alembic_version SET version_num = '0009'"))
    db.session.commit()
    try:
        checks = _not_ready(app)
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
        db.session.commit()
    assert checks["migrations"] == {
        "ok": False,
        "detail": f"The database is at revision 0009; this code needs {current}.",
    }
    assert checks["database"]["ok"]


def test_readyz_names_storage_when_its_folder_cannot_be_written_to(test_env, tmp_path):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    checks = _not_ready(_app_with(test_env, STORAGE_LOCAL_ROOT=str(not_a_folder / "storage")))
    assert checks["storage"] == {"ok": False, "detail": "The storage folder cannot be written to."}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_change_nothing_and_need_no_sign_in(client, redis, path):
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 405
