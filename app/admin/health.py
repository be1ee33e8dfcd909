"""The admin's health page: what ``/readyz`` and ``/metrics`` say, as sentences, at a glance."""

from __future__ import annotations

from flask import render_template

from app.admin import bp
from app.core.access import Role, role_required
from app.ops.overview import health_overview


@bp.get("/health")
@role_required(Role.ADMIN)
def health():
    return render_template("admin/health.html", overview=health_overview())
