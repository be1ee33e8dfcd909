"""Invitations, review queues, reviews and results on the web.

Only the app factory imports this module (through ``init_app``): importing the modules below attaches
their routes to blueprints and their listeners to hooks; the domain's other modules load without
its web layer."""

from __future__ import annotations

from flask import Flask

from app.judging import bp, conflict_views, listeners, views

ATTACHED = (
    views,
    conflict_views,
    listeners,
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
