"""Append-only audit trail: every state change a service makes leaves one event here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from app.core.timeutil import UTCDateTime, utcnow
from app.extensions import Model, db


class AuditEvent(Model):
    """Who did what to which subject, when, with the facts needed to explain it later."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.subject_type}:{self.subject_id}>"


class AuditEventIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete a recorded audit event."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise AuditEventIsAppendOnly("audit events cannot be changed once written")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise AuditEventIsAppendOnly("audit events cannot be deleted")


def record(
    action: str,
    subject: Any = None,
    *,
    actor: Any = None,
    subject_type: str | None = None,
    subject_id: Any = None,
    **data: Any,
) -> AuditEvent:
    """Add an audit event to the current transaction; the calling service commits it.

    ``subject`` may be a model instance (its table name and id are used) or omitted in favour of an
    explicit ``subject_type`` and ``subject_id``. ``actor`` is a user, a user id, or None for the system.
    """
    if subject is not None:
        subject_type = subject_type or subject.__tablename__
        if subject_id is None:
            if subject.id is None:
                db.session.flush()  # the subject is new in this transaction; give it its id
            subject_id = subject.id
    actor_id = getattr(actor, "id", actor)
    audit_event = AuditEvent(
        action=action,
        actor_id=actor_id,
        subject_type=subject_type or "system",
        subject_id=None if subject_id is None else str(subject_id),
        data=data,
    )
    db.session.add(audit_event)
    return audit_event
