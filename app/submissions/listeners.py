"""What submissions add to the challenge domain below it: the entry line on a challenge's page, and who
the entrants are when a challenge's participants are told of a change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from app.accounts.models import User
from app.challenges import hooks as challenge_hooks
from app.challenges.models import Challenge
from app.submissions import services
from app.submissions.models import ACTIVE, Submission


@challenge_hooks.challenge_page.connect
def entry_line(challenge: Challenge, *, viewer: User | None, now: datetime) -> dict[str, Any]:
    """Why the viewer may not enter (or None), while the challenge is open."""
    if challenge.status != "open":
        return {"entry_problem": None}
    return {"entry_problem": services.entry_status(challenge, viewer, now=now)}


@challenge_hooks.entrants.connect
def entrants(challenge: Challenge) -> Select[tuple[int]]:
    """Everyone with an active entry in the challenge."""
    return select(Submission.contributor_id).where(
        Submission.challenge_id == challenge.id, Submission.status == ACTIVE
    )
