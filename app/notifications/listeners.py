"""What notifications add to the domains below them: the e-mails accounts send about a person's account."""

from __future__ import annotations

from app.accounts import hooks as account_hooks
from app.notifications import services


@account_hooks.account_email.connect
def account_email(to_address: str, *, subject: str, body: str) -> None:
    """Queue the e-mail through the outbox, in the caller's transaction; it is sent after the commit."""
    services.send_email(to_address, subject, body)
