"""What operators see, wired into the app: request ids and logs, request metrics, error reports, and
the ``/healthz``, ``/readyz`` and ``/metrics`` routes, and ``flask metrics serve``.

Only the app factory imports this module (through ``init_app``)."""

from __future__ import annotations

from flask import Flask

from app.ops import bp, health_views, metrics_views
from app.ops.error_reports import init_error_reports
from app.ops.logs import configure_logging, register_request_ids
from app.ops.metrics import register_request_metrics
from app.ops.metrics_server import metrics_group

ATTACHED = (health_views, metrics_views)


def init_app(app: Flask) -> None:
    configure_logging(app)
    init_error_reports(app)
    register_request_ids(app)
    register_request_metrics(app)
    app.register_blueprint(bp)
    app.cli.add_command(metrics_group)
