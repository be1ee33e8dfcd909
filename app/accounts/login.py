"""Flask-Login wiring: the session loader and what an unauthenticated request gets."""

from __future__ import annotations

from flask import Flask, redirect, request, url_for

from app.accounts.sessions import load_session_user
from app.core.errors import problem, wants_json
from app.extensions import login_manager


def configure_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_session_user)

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            return problem(
                401,
                "Unauthorized",
                "Sign in or send an API token to use this resource.",
                headers=[("WWW-Authenticate", 'Bearer realm="podium"')],
            )
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
