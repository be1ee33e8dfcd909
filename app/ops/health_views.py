"""``/healthz`` (the process lives and answers) and ``/readyz`` (it can do its work: database, migrations,
Redis and storage), as JSON for load balancers and orchestrators.

Both are open to anyone, as probes are; they say which dependency is down, never where it is.
"""

from __future__ import annotations

from flask import jsonify

from app.ops import bp
from app.ops.health import readiness


@bp.get("/healthz")
def healthz():
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/readyz")
def readyz():
    checks = readiness()
    ready = all(check.ok for check in checks)
    response = jsonify(
        status="ready" if ready else "not ready",
        checks={check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    )
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
