"""The admin's audit log: every recorded state change, filtered by who, what, on what and when."""

from __future__ import annotations

from flask import render_template, request, url_for

from app.accounts.viewer import viewer_zone
from app.admin import bp, queries
from app.admin.audit_filters import parse_audit_filters
from app.core.access import Role, role_required

PER_PAGE = 50


@bp.get("/audit")
@role_required(Role.ADMIN)
def audit_log():
    filters = parse_audit_filters(request.args.to_dict())
    start, end = filters.utc_range(viewer_zone())
    page = queries.audit_page(filters, start, end, per_page=PER_PAGE)
    return render_template(
        "admin/audit.html",
        rows=page.rows,
        filters=filters,
        total=page.total,
        page_number=page.page_number,
        pages=page.pages,
        subject_types=queries.audit_subject_types(),
        page_url=lambda number: url_for("admin.audit_log", **filters.query_args(), page=number),
    )
