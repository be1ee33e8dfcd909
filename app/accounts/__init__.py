"""Accounts: organisations, users, roles, sign-in and passwords."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from app.accounts import views  # noqa: E402,F401  (routes attach to bp on import)
