"""Template globals and filters: roles for navigation, times in the viewer's zone, money."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask
from flask_login import current_user

from app.accounts.models import Role


def viewer_zone() -> ZoneInfo:
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


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")

    @app.context_processor
    def navigation_context():
        roles = current_user.roles if current_user.is_authenticated else set()
        return {"Role": Role, "viewer_roles": roles}
