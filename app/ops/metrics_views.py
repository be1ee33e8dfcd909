"""``/metrics`` for Prometheus, behind a bearer token: ``METRICS_TOKEN``, compared in constant time.

With ``METRICS_ENABLED`` off the address does not exist (404). A scrape without the token, or with
another one, is refused (401) before anything is read. The settings refuse to start with metrics on
and no token, so the endpoint is never open by accident.
"""

from __future__ import annotations

import hmac

from flask import Response, current_app, request

from app.core.errors import NotFound, Unauthenticated
from app.ops import bp
from app.ops.metrics import exposition


@bp.get("/metrics")
def metrics():
    if not current_app.config["METRICS_ENABLED"]:
        raise NotFound("No such page.")
    expected = current_app.config["METRICS_TOKEN"] or ""
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    if (
        not expected
        or scheme.lower() != "bearer"
        or not hmac.compare_digest(offered.encode(), expected.encode())
    ):
        raise Unauthenticated(
            "Metrics need the scrape token: send it as 'Authorization: Bearer <METRICS_TOKEN>'."
        )
    body, content_type = exposition()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
