"""RQ entry points for notifications."""

from __future__ import annotations

from app.core.timeutil import utcnow
from app.extensions import db
from app.notifications import mailer
from app.notifications.models import FAILED, SENT, OutboxMessage


def deliver_email(message_id: int) -> str:
    """Send one outbox message; a message already sent is left alone, so retries never resend.

    Failures are recorded on the row and re-raised, so RQ retries the job.
    """
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise LookupError(f"outbox message {message_id} does not exist")
    if message.status == SENT:
        return "already sent"
    message.attempts += 1
    db.session.commit()
    try:
        mailer.send(message)
    except Exception as error:
        message.status = FAILED
        message.last_error = f"{type(error).__name__}: {error}"
        db.session.commit()
        raise
    message.status = SENT
    message.sent_at = utcnow()
    message.last_error = None
    db.session.commit()
    return "sent"
