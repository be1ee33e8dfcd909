"""Administration pages on the web.

Only the app factory imports this module (through ``init_app``): importing the modules below attaches
their routes to blueprints and their listeners to hooks; the domain's other modules load without
its web layer."""

from __future__ import annotations

from flask import Flask

from app.admin import audit_log, bp, health, job_views, listeners, people, storage_checks

ATTACHED = (
    audit_log,
    health,
    job_views,
    listeners,
    people,
    storage_checks,
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
