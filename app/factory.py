"""Podium's application factory: it reads like a table of contents of the app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import cli, models
from app.accounts import web as accounts_web
from app.accounts.login import configure_login
from app.admin import web as admin_web
from app.api import web as api_web
from app.api.converters import BoundedIntConverter
from app.awards import web as awards_web
from app.challenges import web as challenges_web
from app.core import safe_methods
from app.core.errors import register_error_handlers
from app.core.input_guard import register_input_guard
from app.core.response_headers import register_response_headers
from app.extensions import csrf, db, migrate
from app.judging import web as judging_web
from app.ledger import web as ledger_web
from app.main import web as main_web
from app.marketplace import web as marketplace_web
from app.notifications import web as notifications_web
from app.ops import web as ops_web
from app.payouts import web as payouts_web
from app.storage import get_storage
from app.storage import web as storage_web
from app.submissions import web as submissions_web
from app.templating import register_template_helpers
from config import BaseConfig, config_for
from config.settings import engine_options

# Each domain's web module registers its blueprint, its routes and its commands.
DOMAINS_ON_THE_WEB = (
    ops_web,  # first: its request id and timing wrap every other hook
    main_web,
    admin_web,
    accounts_web,
    notifications_web,
    ledger_web,
    challenges_web,
    submissions_web,
    judging_web,
    awards_web,
    payouts_web,
    marketplace_web,
    storage_web,
    api_web,
)


def create_app(config: BaseConfig | str | None = None, **overrides: Any) -> Flask:
    """Build the app from a settings object or name (default: ``PODIUM_ENV``), plus overrides."""
    settings = config if isinstance(config, BaseConfig) else config_for(config)
    # Named for the package, as before the factory moved here: the logger is "app", the root path app/.
    app = Flask("app", instance_path=settings.INSTANCE_PATH, instance_relative_config=False)
    app.config.update(settings.as_mapping())
    app.config["PODIUM_ENV"] = settings.name
    app.config.update(overrides)
    if "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:  # bounded waits for the database finally chosen
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
            app.config["SQLALCHEMY_DATABASE_URI"],
            app.config["DATABASE_CONNECT_TIMEOUT"],
            app.config["DATABASE_STATEMENT_TIMEOUT"],
        )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)  # SQLite and local storage live here

    register_extensions(app)
    register_input_guard(app)
    register_domains(app)
    register_error_handlers(app)
    register_response_headers(app, file_origins=lambda: get_storage().browser_origins())
    register_template_helpers(app)
    cli.register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    assert models.METADATA_IS_COMPLETE  # every table joins the metadata before anything uses it
    assert safe_methods.SAFE_METHODS  # its session listeners refuse any write during a GET
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_project_root() / "migrations"))
    csrf.init_app(app)
    configure_login(app)
    if app.config.get("PROXY_COUNT"):
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def register_domains(app: Flask) -> None:
    # Every <int:...> in our routes is a row id: one past PostgreSQL's integer range is a 404 from the
    # router, not a query that fails with a 500. Set before any rule is bound to the map.
    app.url_map.converters["int"] = BoundedIntConverter
    for domain in DOMAINS_ON_THE_WEB:
        domain.init_app(app)


def _project_root() -> Path:
    return Path(__file__).resolve().parent.parent
