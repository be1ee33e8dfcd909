"""Error reports to Sentry, when ``SENTRY_DSN`` is set: crashes in requests (our error handler logs
them with their traceback, and the Flask integration adds the request), failed jobs (RQ, reported once
the job has no retry left) and other error-level log lines, each tagged with the request id.

Podium's pages hide who made an entry until results are published, so a report carries no more than
an operator needs: no personal data (the SDK's default, ``send_default_pii`` off: no cookies, user or
client address), no request bodies (forms and uploads), no query strings, no local variables of the
stack's frames, and the address with any token in it redacted (``loggable_path``).
"""

from __future__ import annotations

from typing import Any

import sentry_sdk
from flask import Flask, has_request_context
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.integrations.logging import ignore_logger
from sentry_sdk.integrations.rq import RqIntegration

from app.core.request_id import current_request_id
from app.ops.logs import loggable_path


def init_error_reports(app: Flask) -> None:
    dsn = app.config["SENTRY_DSN"]
    if not dsn:
        return
    sentry_sdk.init(
        dsn=dsn,
        environment=app.config["SENTRY_ENVIRONMENT"],
        integrations=[FlaskIntegration(), RqIntegration()],
        traces_sample_rate=app.config["SENTRY_TRACES_SAMPLE_RATE"],
        max_request_body_size="never",
        include_local_variables=False,
        before_send=_tag_request_id,
    )
    # A failing job logs each attempt; the RQ integration reports it once, when no retry is left.
    ignore_logger("podium.jobs")


def tag_request_id(request_id: str) -> None:
    """Name the request id on the current scope: inside an RQ work horse, the one the RQ integration
    opens for the job, whose failure it reports only after the job function has returned."""
    sentry_sdk.get_current_scope().set_tag("request_id", request_id)


def _tag_request_id(event: Any, _hint: Any) -> Any:
    """Tag the event with the request id; keep secrets an address carries out of it."""
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    described = event.get("request")
    if isinstance(described, dict):
        described.pop("query_string", None)
        if has_request_context():
            described["url"] = loggable_path()
        else:
            described.pop("url", None)
    return event
