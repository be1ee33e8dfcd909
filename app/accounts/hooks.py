"""Where the domains above accounts take part in it (see ``app.core.hooks``)."""

from __future__ import annotations

from app.core.hooks import Hook

account_email = Hook(
    "accounts.account_email",
    doc="Send an e-mail about a person's account (a verification or password-reset link, an invitation) "
    "to one address, in the caller's transaction. Called with the address and ``subject=``, ``body=``.",
)
