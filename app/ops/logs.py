"""Logs operators can search: one JSON object a line in production, each stamped with the request id.

``LOG_FORMAT=json`` (production's default) puts one handler on the root logger that writes every
record, ours and the libraries' (RQ's worker, SQLAlchemy, werkzeug), as a JSON object on stderr, where
the process manager collects it. ``text`` (development's and the tests' default) leaves logging as
Flask sets it up. Either way each request gets an id (``app.core.request_id``), answers with it in
``X-Request-ID``, and ends with one ``podium.requests`` line saying what was asked, what was answered
and how long it took.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, request
from flask.logging import default_handler

from app.core.request_id import HEADER, accept_request_id, bind_request_id, current_request_id

REQUEST_LOGGER = logging.getLogger("podium.requests")
SECRET_WORDS = ("token", "secret", "key")  # a route argument named with one of these is never logged
_STARTED = "podium.started"  # the request's perf_counter() at its first hook, kept in the WSGI environ

# The attributes every LogRecord has; anything else was passed through ``extra=`` and is kept.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request (or job) that caused it, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request id, any ``extra`` fields,
    and the traceback when there is one. Newlines in a message stay inside its JSON string."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            key: value
            for key, value in record.__dict__.items()
            if key not in _STANDARD and not key.startswith("_")
        }
        entry.update(
            time=datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            level=record.levelname,
            logger=record.name,
            message=record.getMessage(),
            request_id=getattr(record, "request_id", None) or current_request_id(),
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class _PodiumJsonHandler(logging.StreamHandler):
    """Our root handler, a class of its own so that building a second app replaces it, not doubles it."""


def configure_logging(app: Flask) -> None:
    level = app.config["LOG_LEVEL"]
    logging.getLogger("podium").setLevel(level)
    if app.config["LOG_FORMAT"] != "json":
        return
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _PodiumJsonHandler)]:
        root.removeHandler(handler)
    handler = _PodiumJsonHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level)
    # The AWS and HTTP libraries narrate routine steps at INFO ("Found credentials in environment
    # variables"); their warnings and errors still come through.
    for chatty in ("botocore", "boto3", "s3transfer", "urllib3"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # Flask's own handler would print the app's records a second time, as text.
    app.logger.removeHandler(default_handler)
    # RQ's worker adds coloured text handlers of its own only when no logger above its own has one, so
    # with this root handler its lines come out as JSON too.


def register_request_ids(app: Flask) -> None:
    """Name every request before any other hook runs, and log it once it is answered."""

    def name_the_request() -> None:
        request.environ[_STARTED] = time.perf_counter()
        bind_request_id(accept_request_id(request.headers.get(HEADER)))

    def answer_with_the_id(response: Response) -> Response:
        request_id = current_request_id()
        if request_id:
            response.headers[HEADER] = request_id
        REQUEST_LOGGER.info(
            "%s %s %s",
            request.method,
            loggable_path(),
            response.status_code,
            extra={
                "method": request.method,
                "path": loggable_path(),
                "route": request.url_rule.rule if request.url_rule else None,
                "status": response.status_code,
                "duration_ms": round(elapsed_seconds() * 1000, 1),
            },
        )
        return response

    def forget_the_id(_error: BaseException | None) -> None:
        bind_request_id(None)  # a server thread's next request must not inherit this one's id

    app.before_request_funcs.setdefault(None, []).insert(0, name_the_request)
    app.after_request(answer_with_the_id)
    app.teardown_request(forget_the_id)


def loggable_path() -> str:
    """The request's path as a log line or an error report may show it: a secret that the address
    carries (a password-reset, verification, invitation or download link's token) is replaced by
    ``[redacted]``, and line breaks and other controls are written as escapes."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if any(word in name for word in SECRET_WORDS) and str(value):
            path = path.replace(str(value), "[redacted]")
    return _printable(path)


def _printable(text: str) -> str:
    """Line breaks and other controls in a client's path written as escapes: one request, one line."""
    return text.encode("unicode_escape").decode("ascii")


def elapsed_seconds() -> float:
    """Seconds since the current request's first hook ran."""
    started = request.environ.get(_STARTED)
    return 0.0 if started is None else time.perf_counter() - started
