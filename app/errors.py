"""Domain errors and the one place that turns any error into an HTML page or problem details.

Services raise ``PodiumError`` subclasses with a message a person can act on; views and API handlers
let them propagate, and the handlers below answer in the client's language (RFC 9457 for JSON).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db


class PodiumError(Exception):
    """A refused request: the message is safe to show and names what to fix."""

    status = 400
    title = "Bad request"

    def __init__(self, message: str, *, field: str | None = None, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        # Several problems at once, by field name, so a form can show each beside its field.
        self.errors = errors or {}


class ValidationFailed(PodiumError):
    title = "Invalid input"
    status = 422


class PermissionDenied(PodiumError):
    title = "Forbidden"
    status = 403


class NotFound(PodiumError):
    title = "Not found"
    status = 404


class Conflict(PodiumError):
    title = "Conflict"
    status = 409


class ServiceUnavailable(PodiumError):
    title = "Service unavailable"
    status = 503


class RateLimited(PodiumError):
    title = "Too many attempts"
    status = 429


def wants_json() -> bool:
    """API paths, and clients that prefer JSON to HTML, get problem details instead of pages."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/problem+json"])
    return best in ("application/json", "application/problem+json")


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    """An RFC 9457 problem-details response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _respond(status: int, title: str, detail: str, **extra: Any) -> Response | tuple[str, int]:
    if wants_json():
        return problem(status, title, detail, **extra)
    template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/generic.html"
    return render_template(template, status=status, title=title, detail=detail), status


def register_error_handlers(app: Flask) -> None:
    """Attach handlers for domain errors, CSRF failures, HTTP errors and unexpected crashes."""

    @app.errorhandler(PodiumError)
    def handle_podium_error(error: PodiumError):
        db.session.rollback()
        extra: dict[str, Any] = {"field": error.field} if error.field else {}
        if error.errors:
            extra["errors"] = error.errors
        return _respond(error.status, error.title, error.message, **extra)

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        db.session.rollback()
        return _respond(
            400,
            "Form expired or invalid",
            "The form's security token was missing or invalid. Reload the page and try again.",
        )

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        db.session.rollback()
        status = error.code or 500
        return _respond(status, error.name, error.description or error.name)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error", exc_info=error)
        generic = InternalServerError()
        return _respond(500, generic.name, "Something went wrong on our side; nothing was changed.")
