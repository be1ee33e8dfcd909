"""Reads only the admin pages make: the audit log, and how many challenges each organisation sponsored.

Audit events live in app/core/audit.py, but naming their actors needs the accounts below us, and
only admins read the log, so the query lives here. Nothing here changes state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, Select, func, or_, select

from app.accounts.models import User
from app.admin.audit_filters import AuditFilters
from app.core.audit import AuditEvent
from app.extensions import db

SYSTEM_ACTOR = "system"  # what to type in the actor filter for events no person caused


@dataclass(frozen=True)
class AuditPage:
    """One page of the audit log: (event, actor or None) rows, newest first, and where it sits."""

    rows: list[Row[tuple[AuditEvent, User | None]]]
    total: int
    page_number: int
    pages: int


def _events(filters: AuditFilters, start: datetime | None, end: datetime | None) -> Select:
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
    if start is not None:
        query = query.where(AuditEvent.occurred_at >= start)
    if end is not None:
        query = query.where(AuditEvent.occurred_at < end)
    return query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


def audit_page(
    filters: AuditFilters, start: datetime | None, end: datetime | None, *, per_page: int
) -> AuditPage:
    """The events matching ``filters`` that occurred in [start, end); a page past the last shows the last."""
    query = _events(filters, start, end)
    total = db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    pages = max(1, -(-total // per_page))
    page_number = min(filters.page, pages)
    rows = db.session.execute(query.limit(per_page).offset((page_number - 1) * per_page)).all()
    return AuditPage(rows=list(rows), total=total, page_number=page_number, pages=pages)


def audit_subject_types() -> list[str]:
    """Every kind of thing events were recorded about, for the log's filter."""
    return list(
        db.session.scalars(select(AuditEvent.subject_type).distinct().order_by(AuditEvent.subject_type))
    )
