"""Podium's application factory: it reads like a table of contents of the app."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from flask import Flask

from config import BaseConfig, config_for


def create_app(config: BaseConfig | str | None = None, **overrides: Any) -> Flask:
    """Build the app from a settings object or name (default: ``PODIUM_ENV``), plus overrides."""
    settings = config if isinstance(config, BaseConfig) else config_for(config)
    app = Flask(__name__, instance_path=settings.INSTANCE_PATH, instance_relative_config=False)
    app.config.update(settings.as_mapping())
    app.config["PODIUM_ENV"] = settings.name
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)  # SQLite and local storage live here

    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (every table joins the metadata before anything uses it)
    from app.accounts.login import configure_login
    from app.extensions import csrf, db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_project_root() / "migrations"))
    csrf.init_app(app)
    configure_login(app)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


# Modules whose routes attach to their package's blueprint when imported. They are imported here,
# not by the packages, so the pure modules can be imported without the web layer.
VIEW_MODULES = (
    "app.accounts.views",
    "app.admin.audit_log",
    "app.admin.job_views",
    "app.admin.people",
    "app.api.auth",
    "app.api.challenges",
    "app.api.submissions",
    "app.api.judging",
    "app.api.results",
    "app.api.awards",
    "app.api.payouts",
    "app.api.marketplace",
    "app.api.me",
    "app.api.openapi",
    "app.challenges.browse",
    "app.challenges.manage",
    "app.judging.views",
    "app.main.views",
    "app.marketplace.views",
    "app.notifications.views",
    "app.payouts.earnings",
    "app.payouts.finance_views",
    "app.payouts.views",
    "app.storage.local_views",
    "app.submissions.views",
)


def register_blueprints(app: Flask) -> None:
    from app.api.converters import BoundedIntConverter

    # Every <int:...> in our routes is a row id: one past PostgreSQL's integer range is a 404 from the
    # router, not a query that fails with a 500. Set before any rule is bound to the map.
    app.url_map.converters["int"] = BoundedIntConverter
    for module in VIEW_MODULES:
        importlib.import_module(module)

    from app.accounts import bp as accounts_bp
    from app.admin import bp as admin_bp
    from app.admin.queue_dashboard import mount_queue_dashboard
    from app.api import bp as api_bp
    from app.challenges import bp as challenges_bp
    from app.judging import bp as judging_bp
    from app.main import bp as main_bp
    from app.marketplace import bp as marketplace_bp
    from app.notifications import bp as notifications_bp
    from app.payouts import bp as payouts_bp
    from app.storage.local_views import bp as local_storage_bp
    from app.submissions import bp as submissions_bp

    for blueprint in (
        main_bp,
        admin_bp,
        accounts_bp,
        notifications_bp,
        challenges_bp,
        submissions_bp,
        judging_bp,
        payouts_bp,
        marketplace_bp,
        local_storage_bp,
        api_bp,
    ):
        app.register_blueprint(blueprint)
    mount_queue_dashboard(app)


def register_error_handlers(app: Flask) -> None:
    from app.errors import register_error_handlers as register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from app.templating import register_template_helpers as register

    register(app)


def register_commands(app: Flask) -> None:
    from app.cli import register_commands as register

    register(app)


def _project_root() -> Path:
    return Path(__file__).resolve().parent.parent
