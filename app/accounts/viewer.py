"""The signed-in viewer's timezone: stored times are UTC, and pages show them in the viewer's zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_login import current_user


def viewer_zone() -> ZoneInfo:
    """The zone the viewer chose on their profile; UTC for visitors and unknown names."""
    name = getattr(current_user, "timezone", None) or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    """A stored UTC time shown in the signed-in viewer's timezone."""
    if value is None:
        return ""
    return value.astimezone(viewer_zone()).strftime(fmt)
