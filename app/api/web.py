"""JSON API v1 on the web.

Only the app factory imports this module (through ``init_app``): importing the modules below attaches
their routes to blueprints and their listeners to hooks; the domain's other modules load without
its web layer."""

from __future__ import annotations

from flask import Flask

from app.api import (
    auth,
    awards,
    bp,
    challenges,
    judging,
    marketplace,
    me,
    openapi,
    payouts,
    results,
    submissions,
)

ATTACHED = (
    auth,
    challenges,
    submissions,
    judging,
    results,
    awards,
    payouts,
    marketplace,
    me,
    openapi,
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
