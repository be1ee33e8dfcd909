"""Sending notifications: write the inbox entry and the outbox row, enqueue delivery after commit."""

from __future__ import annotations

from sqlalchemy import select

from app import jobs
from app.accounts.models import User
from app.core import audit
from app.core.errors import NotFound
from app.core.timeutil import utcnow
from app.core.transactions import atomic
from app.extensions import db
from app.notifications.models import Notification, OutboxMessage


def notify(
    user: User, subject: str, body: str, *, link: str | None = None, commit: bool = True
) -> Notification:
    """Put a message in ``user``'s inbox and queue the same message as an e-mail.

    Services that notify as part of a larger change pass ``commit=False``; the e-mail job is pushed
    only when their transaction commits, so nobody is told about a change that was rolled back.
    """
    notification = Notification(user_id=user.id, subject=subject, body=body, link=link)
    message = OutboxMessage(notification=notification, to_address=user.email, subject=subject, body_text=body)
    db.session.add_all([notification, message])
    db.session.flush()
    jobs.enqueue(
        "app.notifications.jobs:deliver_email", message.id, queue="mail", subject=message, commit=False
    )
    if commit:
        db.session.commit()
    return notification


def put_in_inbox(user: User, subject: str, body: str, *, link: str | None = None) -> Notification:
    """Put a message in ``user``'s inbox only, in the caller's transaction: for news about e-mail
    itself failing, which an e-mail would not deliver."""
    notification = Notification(user_id=user.id, subject=subject, body=body, link=link)
    db.session.add(notification)
    return notification


def send_email(to_address: str, subject: str, body: str) -> OutboxMessage:
    """Queue an e-mail that has no inbox entry (a link meant only for the mailbox's owner, such as a
    password reset), in the caller's transaction: the job is pushed when the caller commits."""
    message = OutboxMessage(to_address=to_address, subject=subject, body_text=body)
    db.session.add(message)
    db.session.flush()
    jobs.enqueue(
        "app.notifications.jobs:deliver_email", message.id, queue="mail", subject=message, commit=False
    )
    return message


def inbox(user: User, *, limit: int = 100) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


@atomic
def mark_read(user: User, notification_id: int) -> Notification:
    """Mark one of the user's own messages read; someone else's message is 'not found'."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound("No such message in your inbox.")
    if notification.read_at is None:
        notification.read_at = utcnow()
        audit.record("notification.read", notification, actor=user)
        db.session.commit()
    return notification
