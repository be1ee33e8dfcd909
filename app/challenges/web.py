"""Browsing, posting and managing challenges on the web.

Only the app factory imports this module (through ``init_app``): importing the modules below attaches
their routes to blueprints and their listeners to hooks; the domain's other modules load without
its web layer."""

from __future__ import annotations

from flask import Flask

from app.challenges import bp, browse, manage
from app.challenges.cli import challenges_group

ATTACHED = (
    browse,
    manage,
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(challenges_group)
