"""Is this process ready to serve? The database, the migrations, Redis and storage, checked now.

``/readyz``, the admin health page and the metrics read the same checks. Each one only reads (a
``SELECT``, a ``PING``, a bucket ``HEAD``, a look at the storage folder), fails fast (its own clients
with short timeouts and no retries, so a dead dependency cannot hold a load balancer's probe for a
minute) and reports in a sentence safe to show anyone: which dependency, and whether it answered, never
the address, credentials or the library's message (those go to the log).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from flask import current_app
from redis import Redis
from sqlalchemy import text

from app.extensions import db
from app.storage import get_storage

LOGGER = logging.getLogger("podium.health")
TIMEOUT_SECONDS = 2


@dataclass(frozen=True)
class Check:
    """One dependency's answer: its name, whether it is usable, and a sentence saying so."""

    name: str
    ok: bool
    detail: str


def readiness() -> list[Check]:
    """Every check, in the order the pages show them."""
    database = _database()
    return [database, _migrations(database_ok=database.ok), _redis(), _storage()]


def _failed(name: str, detail: str, error: Exception) -> Check:
    LOGGER.warning("readiness: %s failed: %s: %s", name, type(error).__name__, error)
    return Check(name, False, detail)


def _database() -> Check:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:
        db.session.rollback()
        return _failed("database", "The database cannot be reached.", error)
    return Check("database", True, "The database answers.")


def _migrations(*, database_ok: bool) -> Check:
    heads = expected_heads(current_app.extensions["migrate"].directory)
    if not database_ok:
        return Check("migrations", False, "Unknown: the database cannot be reached.")
    try:
        applied = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except Exception as error:
        db.session.rollback()
        return _failed("migrations", "The database has no migration record (alembic_version).", error)
    if applied == heads:
        return Check("migrations", True, f"The database is at the latest revision, {_names(heads)}.")
    return Check(
        "migrations",
        False,
        f"The database is at revision {_names(applied) or 'none'}; this code needs {_names(heads)}.",
    )


def _names(revisions: set[str]) -> str:
    return ", ".join(sorted(revisions))


@cache
def expected_heads(directory: str) -> set[str]:
    """The revisions the code's migrations end at (read once per process: they change with a deploy)."""
    return set(ScriptDirectory(directory).get_heads())


def _redis() -> Check:
    try:
        _quick_redis().ping()
    except Exception as error:
        return _failed("redis", "Redis cannot be reached.", error)
    return Check("redis", True, "Redis answers.")


def _quick_redis() -> Redis:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    client = app.extensions.get("podium_health_redis")
    if client is None:
        client = Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
        )
        app.extensions["podium_health_redis"] = client
    return client


def _storage() -> Check:
    backend = current_app.config["STORAGE_BACKEND"]
    try:
        storage: Any = get_storage()
        if backend == "s3":
            _quick_s3(storage).head_bucket(Bucket=storage.bucket)
            return Check("storage", True, "The storage bucket answers.")
        if not _writable_folder(storage.root):
            return Check("storage", False, "The storage folder cannot be written to.")
    except Exception as error:
        return _failed("storage", "Storage cannot be reached.", error)
    return Check("storage", True, "The storage folder can be written to.")


def _writable_folder(root: Path) -> bool:
    """The folder, or the nearest folder above it that exists (the backend makes the rest on its first
    write), is a folder this process may write in."""
    for folder in (root, *root.parents):
        if folder.exists():
            return folder.is_dir() and os.access(folder, os.R_OK | os.W_OK | os.X_OK)
    return False


def _quick_s3(storage: Any) -> Any:
    """A client for the bucket the app uses, that gives up after one try of a few seconds."""
    import boto3  # local: apps on local storage never load boto3
    from botocore.config import Config

    clients = current_app.extensions.setdefault("podium_health_s3", {})
    place = (storage.endpoint_url, storage.region, storage.addressing_style)
    client = clients.get(place)
    if client is None:
        config = Config(
            s3={"addressing_style": storage.addressing_style},
            signature_version="s3v4",
            connect_timeout=TIMEOUT_SECONDS,
            read_timeout=TIMEOUT_SECONDS,
            retries={"max_attempts": 1, "mode": "standard"},
        )
        client = boto3.client(
            "s3", endpoint_url=storage.endpoint_url, region_name=storage.region, config=config
        )
        clients[place] = client
    return client
