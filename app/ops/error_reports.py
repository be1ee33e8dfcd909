"""Error reports to Sentry, when ``SENTRY_DSN`` is set: crashes in requests (Flask), failed jobs (RQ,
reported once the job has no retry left) and error-level log lines, each tagged with the request id.

Podium's pages hide who made an entry until results are published, so a report carries no more than
an operator needs: no personal data (``send_default_pii`` off: no cookies, user or client address),
no request bodies (forms and uploads), and no local variables of the stack's frames.
"""

from __future__ import annotations

from typing import Any

import sentry_sdk
from flask import Flask
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.integrations.rq import RqIntegration

from app.core.request_id import current_request_id


def init_error_reports(app: Flask) -> None:
    dsn = app.config["SENTRY_DSN"]
    if not dsn:
        return
    sentry_sdk.init(
        dsn=dsn,
        environment=app.config["SENTRY_ENVIRONMENT"],
        integrations=[FlaskIntegration(), RqIntegration()],
        traces_sample_rate=app.config["SENTRY_TRACES_SAMPLE_RATE"],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=_tag_request_id,
    )


def _tag_request_id(event: Any, _hint: Any) -> Any:
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event
