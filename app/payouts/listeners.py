"""What payouts add to the domains below them: the money figures on the sponsor's challenge page, and the
payout job started when results are published."""

from __future__ import annotations

from typing import Any

from app import jobs
from app.accounts.models import User
from app.awards import hooks as award_hooks
from app.challenges import hooks as challenge_hooks
from app.challenges.models import Challenge
from app.payouts.queries import money_summary
from app.payouts.services import PAYOUT_JOB


@challenge_hooks.manage_page.connect
def money(challenge: Challenge) -> dict[str, Any]:
    return {"money": money_summary(challenge)}


@award_hooks.results_published.connect
def pay_out(challenge: Challenge, *, actor: User) -> None:
    """The awarded prizes become payouts by a job, once publication commits."""
    jobs.enqueue(PAYOUT_JOB, challenge.id, subject=challenge, started_by=actor, commit=False)
