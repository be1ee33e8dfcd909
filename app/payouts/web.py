"""Winners' earnings and payee details, finance's payouts and batches on the web.

Only the app factory imports this module (through ``init_app``): importing the modules below attaches
their routes to blueprints and their listeners to hooks; the domain's other modules load without
its web layer."""

from __future__ import annotations

from flask import Flask

from app.payouts import bp, earnings, finance_views, listeners
from app.payouts.cli import ledger_group

ATTACHED = (
    earnings,
    finance_views,
    listeners,
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.cli.add_command(ledger_group)
