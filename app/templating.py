"""Template globals and filters: roles for navigation, times in the viewer's zone, money."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_login import current_user

from app.accounts.queries import has_reports
from app.accounts.viewer import local_time
from app.challenges.presenters import history_label, human_bytes
from app.core.access import Role
from app.core.money import format_money
from app.core.timefmt import humanize_delta
from app.core.timeutil import utcnow


def money(amount_minor: int, currency: str) -> str:
    """An amount in minor units as people read it: "€5,000.00", "1,500 pts"."""
    return format_money(amount_minor, currency)


def relative_time(value: datetime | None) -> str:
    """How far a stored time is from now: "in 3 days", "5 hours ago"."""
    if value is None:
        return ""
    return humanize_delta(value, utcnow())


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(money, "money")
    app.add_template_filter(relative_time, "relative_time")
    app.add_template_filter(human_bytes, "filesize")
    app.add_template_filter(history_label, "history_label")

    @app.context_processor
    def navigation_context():
        # Read here, before the template renders: a template never queries (the count tests check it).
        signed_in = current_user.is_authenticated
        return {
            "Role": Role,
            "viewer_roles": current_user.roles if signed_in else set(),
            "viewer_has_reports": signed_in and has_reports(current_user.id),
        }
