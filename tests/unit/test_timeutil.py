"""Times are timezone-aware UTC everywhere; naive datetimes are refused at the database boundary."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.timeutil import UTCDateTime, utcnow


def test_utcnow_is_timezone_aware_utc():
    now = utcnow()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)


def test_naive_datetime_is_refused_when_stored():
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1, 12, 0), dialect=None)  # noqa: DTZ001


def test_other_zones_are_converted_to_utc_when_stored():
    plus_two = datetime(2026, 1, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    stored = UTCDateTime().process_bind_param(plus_two, dialect=None)
    assert stored == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert stored.tzinfo == UTC


def test_values_read_without_zone_come_back_as_utc():
    read = UTCDateTime().process_result_value(datetime(2026, 1, 1, 12, 0), dialect=None)  # noqa: DTZ001
    assert read == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
