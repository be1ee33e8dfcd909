"""Invitations, review queues, reviews and results on the web.

Only the app factory imports this module (through ``init_app``): importing the modules below attaches
their routes to blueprints and their listeners to hooks; the domain's other modules load without
its web layer."""

from __future__ import annotations

from flask import Flask

from app.judging import bp, conflict_views, listeners, views
from app.judging.results_table import rows_html

ATTACHED = (
    views,
    conflict_views,
    listeners,
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # The results table's rows, which the sponsor's dashboard (a challenges template) also shows.
    app.add_template_global(rows_html, "result_rows_html")
