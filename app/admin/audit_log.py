"""The admin's audit log: every recorded state change, filtered by who, what, on what and when."""

from __future__ import annotations

from flask import render_template, request, url_for
from sqlalchemy import or_, select

from app.accounts.models import User
from app.accounts.viewer import viewer_zone
from app.admin import bp
from app.admin.audit_filters import AuditFilters, parse_audit_filters
from app.core.access import Role, role_required
from app.core.audit import AuditEvent
from app.extensions import db

PER_PAGE = 50
SYSTEM_ACTOR = "system"  # what to type in the actor filter for events no person caused


def _events(filters: AuditFilters):
    query = select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.actor_id)
    if filters.actor == SYSTEM_ACTOR:
        query = query.where(AuditEvent.actor_id.is_(None))
    elif filters.actor:
        pattern = f"%{filters.actor.replace('%', '').replace('_', '')}%"
        query = query.where(or_(User.email_key.like(pattern), User.display_name.ilike(pattern)))
    if filters.action:
        query = query.where(AuditEvent.action.startswith(filters.action, autoescape=True))
    if filters.subject_type:
        query = query.where(AuditEvent.subject_type == filters.subject_type)
    start, end = filters.utc_range(viewer_zone())
    if start is not None:
        query = query.where(AuditEvent.occurred_at >= start)
    if end is not None:
        query = query.where(AuditEvent.occurred_at < end)
    return query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


@bp.get("/audit")
@role_required(Role.ADMIN)
def audit_log():
    filters = parse_audit_filters(request.args.to_dict())
    query = _events(filters)
    total = db.session.scalar(select(db.func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // PER_PAGE))
    page_number = min(filters.page, pages)
    rows = db.session.execute(query.limit(PER_PAGE).offset((page_number - 1) * PER_PAGE)).all()
    subject_types = db.session.scalars(
        select(AuditEvent.subject_type).distinct().order_by(AuditEvent.subject_type)
    ).all()
    return render_template(
        "admin/audit.html",
        rows=rows,
        filters=filters,
        total=total,
        page_number=page_number,
        pages=pages,
        subject_types=subject_types,
        page_url=lambda number: url_for("admin.audit_log", **filters.query_args(), page=number),
    )
