"""Human phrases for how far away a moment is: "in 3 days", "5 hours ago"."""

from __future__ import annotations

from datetime import datetime, timedelta

_MINUTE = timedelta(minutes=1)
_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def _span(delta: timedelta) -> str:
    # Units switch late (hours up to two days, days up to two months) so a deadline reads precisely.
    if delta < _HOUR:
        return _count(delta // _MINUTE, "minute")
    if delta < 2 * _DAY:
        return _count(delta // _HOUR, "hour")
    if delta < 60 * _DAY:
        return _count(delta // _DAY, "day")
    if delta < 730 * _DAY:
        return _count(delta // (30 * _DAY), "month")
    return _count(delta // (365 * _DAY), "year")


def humanize_delta(target: datetime, now: datetime) -> str:
    """How far ``target`` is from ``now``: "in 3 days" ahead, "2 hours ago" behind.

    Every unit is rounded down, so a deadline never looks further away than it is: 3 days and 23 hours
    left reads "in 3 days". Both times must be timezone-aware.
    """
    delta = target - now
    if abs(delta) < _MINUTE:
        return "in less than a minute" if delta > timedelta(0) else "less than a minute ago"
    if delta > timedelta(0):
        return f"in {_span(delta)}"
    return f"{_span(-delta)} ago"


def exact_span(delta: timedelta) -> str:
    """A configured length of time said exactly: "15 minutes", or "30 seconds" when it is not a whole
    number of minutes (a grace window is a promise, so it is never rounded)."""
    seconds = int(delta.total_seconds())
    if seconds % 60:
        return _count(seconds, "second")
    return _count(seconds // 60, "minute")
