"""Who is calling the API: a Bearer token, or the browser's session with its CSRF token for writes.

A request that carries ``Authorization: Bearer`` is the token's owner for that request only: the
session cookie is ignored, nothing is written to the session, and CSRF does not apply (a browser
never attaches that header on its own). A request without one falls back to the signed-in session,
and a session may change things only with the CSRF token in the ``X-CSRFToken`` header, as the
pages' own scripts send it; so a cross-site form can never act through someone's cookies.
"""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

from app.accounts import tokens
from app.api import bp
from app.api.registry import SAFE_METHODS
from app.core.errors import PermissionDenied, Unauthenticated
from app.extensions import csrf, login_manager

MAX_BODY_BYTES = 1024 * 1024  # JSON only: files go straight to storage through presigned requests

csrf.exempt(bp)  # checked below, for session-authenticated writes only


@bp.before_request
def authenticate() -> None:
    request.max_content_length = MAX_BODY_BYTES
    header = request.headers.get("Authorization")
    g.api_token = None
    if header is None:
        # Anonymous writes go on to their 401; a session's writes need the session's CSRF token.
        if request.method not in SAFE_METHODS and current_user.is_authenticated:
            csrf.protect()
        return
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Unauthenticated("Send the token as 'Authorization: Bearer <token>'.", code="invalid_token")
    token = tokens.authenticate_token(credentials)
    g.api_token = token
    # This request, and only this one, runs as the token's owner; the session is left alone.
    login_manager._update_request_context_with_user(token.user)
    if request.method not in SAFE_METHODS and not token.may_write:
        raise PermissionDenied(
            "This token may only read. Create a read_write token to change things.", code="insufficient_scope"
        )


def token_in_use():
    """The API token of this request, or None when the caller uses a browser session."""
    return g.get("api_token")
