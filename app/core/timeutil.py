"""Timezone-aware UTC time: the only clock and the only datetime column type the app uses."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The server's current time, timezone-aware in UTC; deadlines are judged against this."""
    return datetime.now(UTC) + _test_clock_offset()


def _test_clock_offset() -> timedelta:
    """How far the browser tests have moved the clock of every process (web, worker, cron) at once.

    Only under ``PODIUM_ENV=testing`` with ``PODIUM_TEST_CLOCK_FILE`` set: the file holds a number of
    seconds to add. Any other configuration, and any unreadable file, means no offset at all.
    """
    path = os.environ.get("PODIUM_TEST_CLOCK_FILE")
    if not path or os.environ.get("PODIUM_ENV") != "testing":
        return timedelta(0)
    try:
        with open(path) as clock_file:
            return timedelta(seconds=float(clock_file.read().strip() or 0))
    except (OSError, ValueError):
        return timedelta(0)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware.

    PostgreSQL keeps the zone (timestamptz); SQLite drops it, so values are normalised to UTC on the
    way in and tagged as UTC on the way out. Naive datetimes are refused: their meaning is a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a timezone-aware UTC time is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
