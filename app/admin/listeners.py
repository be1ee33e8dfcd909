"""Alerts to administrators: a job that failed for good is put in every active admin's inbox and
mailed to them, with a link to the jobs page where one click retries it."""

from __future__ import annotations

from sqlalchemy import select

from app import jobs
from app.accounts.models import User, UserRole
from app.accounts.services import public_url
from app.core.access import Role
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.models import OutboxMessage

JOBS_PAGE = "/admin/jobs?status=failed"
_MAIL_DELIVERY = "app.notifications.jobs:deliver_email"


@jobs.job_failed_for_good.connect
def alert_admins(record: jobs.JobRecord) -> None:
    """In the transaction that marks the job failed. An alert whose own e-mail failed is reported in
    the inbox only: mailing it again would likely fail the same way, and alert again, without end."""
    subject = f"Background job #{record.id} failed for good"
    body = (
        f"The job {record.kind} (#{record.id}) failed after {record.attempts} "
        f"attempt{'s' if record.attempts != 1 else ''} and will not be retried automatically.\n"
        f"Error: {record.error or 'none recorded'}\n\n"
        f"Retry it on the jobs page: {public_url(JOBS_PAGE)}"
    )
    for admin in _active_admins():
        if _delivers_an_alert(record):
            notifications.put_in_inbox(admin, subject, body, link=JOBS_PAGE)
        else:
            notifications.notify(admin, subject, body, link=JOBS_PAGE, commit=False)


def _delivers_an_alert(record: jobs.JobRecord) -> bool:
    if record.kind != _MAIL_DELIVERY or not record.args:
        return False
    message = db.session.get(OutboxMessage, int(record.args[0]))
    return bool(message and message.notification and message.notification.link == JOBS_PAGE)


def _active_admins() -> list[User]:
    query = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMIN.value, User.is_active_account.is_(True))
        .order_by(User.id)
    )
    return list(db.session.scalars(query))
