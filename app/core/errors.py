"""Domain errors and the one place that turns any error into an HTML page or problem details.

Services raise ``PodiumError`` subclasses with a message a person can act on; views and API handlers
let them propagate, and the handlers below answer in the client's language (RFC 9457 for JSON).
Every problem carries a ``code``: a stable, machine-readable name that API clients branch on, while
``detail`` stays free to be reworded for people.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db, login_manager


class PodiumError(Exception):
    """A refused request: the message is safe to show and names what to fix.

    ``code`` defaults to the class's; a service may name a narrower one for a refusal that clients
    should tell apart (``Conflict("...", code="already_withdrawn")``).
    """

    status = 400
    title = "Bad request"
    code = "bad_request"
    # Sent as ``Retry-After`` when set: the refusal is temporary and this is when to try again.
    retry_after_seconds: int | None = None

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        errors: dict[str, str] | None = None,
        code: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        # Several problems at once, by field name, so a form can show each beside its field.
        self.errors = errors or {}
        if code is not None:
            self.code = code

    def extensions(self) -> dict[str, Any]:
        """Further RFC 9457 members for API clients, beyond ``field`` and ``errors``."""
        return {}


class ValidationFailed(PodiumError):
    title = "Invalid input"
    status = 422
    code = "validation_failed"


class Unauthenticated(PodiumError):
    """No credentials, or credentials that no longer work (expired or revoked token)."""

    title = "Unauthorized"
    status = 401
    code = "unauthenticated"


class PermissionDenied(PodiumError):
    title = "Forbidden"
    status = 403
    code = "forbidden"


class NotFound(PodiumError):
    title = "Not found"
    status = 404
    code = "not_found"


class Conflict(PodiumError):
    title = "Conflict"
    status = 409
    code = "conflict"


class ServiceUnavailable(PodiumError):
    """Something Podium depends on is not answering; the request may simply be sent again later.

    Answered with ``Retry-After``, so clients and people know when to try again rather than give up.
    """

    title = "Service unavailable"
    status = 503
    code = "service_unavailable"
    retry_after_seconds = 60


class InsufficientStorage(PodiumError):
    """No room is left to store what was sent (a full disk or quota); nothing was kept."""

    title = "Insufficient storage"
    status = 507
    code = "storage_full"
    retry_after_seconds = 300


class RateLimited(PodiumError):
    title = "Too many attempts"
    status = 429
    code = "rate_limited"


class AlreadyDone(Exception):
    """Not a refusal: what the person asked for already holds (someone, or the clock, did it first).

    Raised by a service before it writes anything, so nothing happens twice and no second audit
    event is written; the person is told, as a success, that it was already so.
    """

    code = "already_done"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Codes for errors raised by Flask and Werkzeug rather than by our services, by HTTP status.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
    507: "insufficient_storage",
}
# Headers an HTTP error carries that must survive being re-rendered as a page or problem.
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")


def wants_json() -> bool:
    """API paths, and clients that prefer JSON to HTML, get problem details instead of pages."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/problem+json"])
    return best in ("application/json", "application/problem+json")


def problem(
    status: int, title: str, detail: str, *, code: str | None = None, headers: Any = None, **extra: Any
) -> Response:
    """An RFC 9457 problem-details response with a stable machine-readable ``code``."""
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code or HTTP_CODES.get(status, "error"),
        **extra,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for name, value in headers or ():
        response.headers[name] = value
    return response


def _respond(
    status: int, title: str, detail: str, *, code: str | None = None, headers: Any = None, **extra: Any
) -> Response | tuple[str, int]:
    if wants_json():
        return problem(status, title, detail, code=code, headers=headers, **extra)
    if status in (503, 507):
        template = "errors/unavailable.html"
    elif status in (403, 404, 500):
        template = f"errors/{status}.html"
    else:
        template = "errors/generic.html"
    return render_template(template, status=status, title=title, detail=detail), status, headers or []


def register_error_handlers(app: Flask) -> None:
    """Attach handlers for domain errors, CSRF failures, HTTP errors and unexpected crashes."""

    @app.errorhandler(PodiumError)
    def handle_podium_error(error: PodiumError):
        if error.retry_after_seconds is not None:
            return _respond_to_outage(error)
        db.session.rollback()
        extra: dict[str, Any] = {"field": error.field} if error.field else {}
        if error.errors:
            extra["errors"] = error.errors
        extra.update(error.extensions())
        headers = [("WWW-Authenticate", 'Bearer realm="podium"')] if error.status == 401 else None
        return _respond(error.status, error.title, error.message, code=error.code, headers=headers, **extra)

    @app.errorhandler(AlreadyDone)
    def handle_already_done(done: AlreadyDone):
        # A success: API clients get 200 with the message; a page says it plainly.
        db.session.rollback()
        if wants_json():
            return jsonify(code=done.code, detail=done.message), 200
        return render_template("errors/generic.html", status=200, title="Already done", detail=done.message)

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        db.session.rollback()
        return _respond(
            400,
            "Form expired or invalid",
            "The form's security token was missing or invalid. Reload the page and try again.",
            code="csrf_failed",
        )

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        db.session.rollback()
        status = error.code or 500
        kept = [(name, value) for name, value in error.get_headers() if name in KEPT_HEADERS]
        return _respond(status, error.name, error.description or error.name, headers=kept)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        from app.core.outages import outage_for  # it builds on the errors defined here

        outage = outage_for(error)
        if outage is not None:
            app.logger.error("%s: %s", outage.code, error)
            return _respond_to_outage(outage)
        db.session.rollback()
        app.logger.exception("unhandled error", exc_info=error)
        generic = InternalServerError()
        return _respond(
            500, generic.name, "Something went wrong on our side; nothing was changed.", code="internal_error"
        )


def _respond_to_outage(error: PodiumError) -> Response | tuple[str, int]:
    """A 503 or 507 with ``Retry-After``. When the database is what failed, the page is drawn for a
    signed-out viewer, so that drawing it asks the database nothing."""
    try:
        db.session.rollback()
    except Exception:  # the connection is what failed; the rollback has nothing to undo
        db.session.close()
    if error.code.startswith("database"):
        # flask-login's cache of the viewer: the navigation must not try to load them again.
        g._login_user = login_manager.anonymous_user()
    headers = [("Retry-After", str(error.retry_after_seconds))]
    return _respond(error.status, error.title, error.message, code=error.code, headers=headers)
