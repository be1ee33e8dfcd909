"""Where the domains above challenges take part in it (see ``app.core.hooks``)."""

from __future__ import annotations

from app.core.hooks import Hook

challenge_page = Hook(
    "challenges.challenge_page",
    doc="Template variables for a challenge's public page. Called with the challenge, ``viewer=`` (a "
    "signed-in user or None) and ``now=``.",
)
manage_page = Hook(
    "challenges.manage_page",
    doc="Template variables for the sponsor's management page of a challenge. Called with the challenge.",
)
entrants = Hook(
    "challenges.entrants",
    doc="Who has an active entry in a challenge, to be told of changes to it. Called with the challenge; "
    "each listener answers a select of user ids.",
)
