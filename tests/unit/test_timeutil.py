"""Times are timezone-aware UTC everywhere; naive datetimes are refused at the database boundary."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.core.timeutil import UTCDateTime, utcnow


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


def test_the_browser_tests_clock_file_moves_the_clock_only_under_testing(monkeypatch, tmp_path):
    clock_file = tmp_path / "clock"
    clock_file.write_text("86400")
    monkeypatch.setenv("PODIUM_TEST_CLOCK_FILE", str(clock_file))
    monkeypatch.setenv("PODIUM_ENV", "testing")
    moved = utcnow() - datetime.now(UTC)
    assert timedelta(hours=23, minutes=59) < moved <= timedelta(days=1)
    monkeypatch.setenv("PODIUM_ENV", "production")
    assert abs(utcnow() - datetime.now(UTC)) < timedelta(minutes=1)
    monkeypatch.setenv("PODIUM_ENV", "testing")
    clock_file.write_text("not a number")
    assert abs(utcnow() - datetime.now(UTC)) < timedelta(minutes=1)
