"""A dependency that stops answering is a 503 with ``Retry-After``, never a 500.

The database, Redis and file storage fail in their own exception types, often deep inside a library
and sometimes wrapped in another exception. ``outage_for`` looks through an error and its causes and,
when one of them is a dependency failing (refused, timed out, dropped, full), returns the ``PodiumError``
to answer with; the error handlers in ``core.errors`` ask it before calling anything a crash. Layers
above core that talk to other services (storage: botocore) add their own classifier with
``add_classifier``, so core needs no import of them.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Callable, Iterator

from flask import Flask, current_app
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import exc as sa_exc

from app.core.errors import InsufficientStorage, PodiumError, ServiceUnavailable

Classifier = Callable[[BaseException], PodiumError | None]
EXTENSION_KEY = "podium_outage_classifiers"

DATABASE_DOWN = "The database is not answering right now; try again in a minute."
DATABASE_SLOW = "The database took too long to answer; try again in a minute."
DATABASE_BUSY = "The database was busy with a conflicting change; try again in a minute."
QUEUE_DOWN = "The job queue is not answering right now; try again in a minute."
DISK_FULL = "The server's disk is full, so what you sent was not saved. Try again later."
NETWORK_DOWN = "A service Podium depends on is not answering right now; try again in a minute."

# errno values that mean "no room left", on the disk or in a quota.
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})


def add_classifier(app: Flask, classifier: Classifier) -> None:
    """Teach ``outage_for`` another dependency's failures (called by the layer that owns it)."""
    app.extensions.setdefault(EXTENSION_KEY, []).append(classifier)


def outage_for(error: BaseException) -> PodiumError | None:
    """The answer for ``error`` if it (or any error it was raised from) is a dependency failing."""
    classifiers: list[Classifier] = [_database, _queue, _operating_system]
    classifiers += current_app.extensions.get(EXTENSION_KEY, [])
    for link in _chain(error):
        if isinstance(link, PodiumError):
            return link if link.status in (503, 507) else None
        for classify in classifiers:
            answer = classify(link)
            if answer is not None:
                return answer
    return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, then what it was raised from or during, once each (chains can loop)."""
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


def _database(error: BaseException) -> PodiumError | None:
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return ServiceUnavailable(DATABASE_DOWN, code="database_unavailable")
    if not isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return None
    original = getattr(error, "orig", None)
    if isinstance(original, sqlite3.Error):
        return _sqlite(str(original))
    reason = type(original).__name__
    if reason == "QueryCanceled":  # the statement timeout cut a query off
        return ServiceUnavailable(DATABASE_SLOW, code="database_timeout")
    if reason == "DiskFull":
        return InsufficientStorage(DISK_FULL)
    if reason in ("SerializationFailure", "DeadlockDetected", "LockNotAvailable"):
        return ServiceUnavailable(DATABASE_BUSY, code="database_busy")
    # psycopg's OperationalError and its other kinds: refused, dropped, shutting down, out of connections.
    return ServiceUnavailable(DATABASE_DOWN, code="database_unavailable")


def _sqlite(message: str) -> PodiumError | None:
    """SQLite reports a missing table as an OperationalError too: only its outages are outages."""
    if "locked" in message:
        return ServiceUnavailable(DATABASE_BUSY, code="database_busy")
    if "disk is full" in message:
        return InsufficientStorage(DISK_FULL)
    if "unable to open" in message or "disk I/O error" in message:
        return ServiceUnavailable(DATABASE_DOWN, code="database_unavailable")
    return None


def _queue(error: BaseException) -> PodiumError | None:
    if isinstance(error, RedisConnectionError | RedisTimeoutError):
        return ServiceUnavailable(QUEUE_DOWN, code="queue_unavailable")
    return None


def _operating_system(error: BaseException) -> PodiumError | None:
    if isinstance(error, OSError) and error.errno in NO_SPACE:
        return InsufficientStorage(DISK_FULL)
    if isinstance(error, ConnectionError | TimeoutError):
        return ServiceUnavailable(NETWORK_DOWN)
    return None
