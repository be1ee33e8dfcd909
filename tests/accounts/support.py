"""Helpers for tests of e-mailed account links: read the link out of the message the real SMTP server got."""

from __future__ import annotations

import re

LINK = re.compile(r"https?://[^/\s]+(/\S+)")


def emailed_paths(mailbox, address: str, run_worker) -> list[str]:
    """Deliver the queued e-mails with a real worker; the path of every link sent to ``address``, oldest first."""
    run_worker()
    return [match for message in mailbox.to(address) for match in LINK.findall(message.get_content())]


def emailed_path(mailbox, address: str, run_worker) -> str:
    """The path of the newest link sent to ``address``."""
    paths = emailed_paths(mailbox, address, run_worker)
    assert paths, f"no link was e-mailed to {address}"
    return paths[-1]
