"""Judging past its deadline with entries nobody reviewed: the challenge waits in "judging overdue"
for the sponsor's choice (extend judging, invite judges, or accept results with those entries
flagged) instead of re-running an aggregation that cannot succeed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app

from app import jobs
from app.accounts.models import User
from app.challenges.lifecycle import Action, Status
from app.challenges.services import lock_challenge, schedule_aggregation, tell_sponsors
from app.challenges.transitions import check, transition
from app.core.errors import AlreadyDone, ValidationFailed
from app.core.timeutil import utcnow
from app.core.transactions import atomic
from app.extensions import db
from app.judging.panels import require_manager
from app.judging.results import reviews_submitted, unreviewed_entries

REASSIGN_JOB = "app.judging.jobs:reassign"
# How far ahead a sponsor may move the judging deadline: the bounty is held in escrow until then.
LONGEST_EXTENSION = timedelta(days=365)


def aliases(entries) -> str:
    return ", ".join(entry.label for entry in entries)


@atomic
def mark_overdue(challenge_id: int, *, nothing_to_judge: bool = False, now: datetime | None = None) -> bool:
    """At the judging deadline, with entries still unreviewed, or as soon as judging starts with no
    entry at all (``nothing_to_judge``): stop and ask the sponsor. Only the first call moves the
    challenge and tells the sponsors; later ones change nothing."""
    now = now or utcnow()
    challenge = lock_challenge(challenge_id)
    if challenge.state is not Status.JUDGING or (now < challenge.judging_due_at and not nothing_to_judge):
        db.session.rollback()
        return False
    missing = unreviewed_entries(challenge)
    reviewed_any = reviews_submitted(challenge) > 0
    transition(
        challenge,
        Action.MARK_JUDGING_OVERDUE,
        actor=None,
        now=now,
        event="judging.overdue",
        unreviewed=len(missing),
    )
    tell_sponsors(
        challenge,
        f"Judging overdue: {challenge.title}",
        _notice(missing, reviewed_any, nothing_to_judge),
        link=f"/judging/results/{challenge.slug}",
    )
    db.session.commit()
    return True


def _notice(missing, reviewed_any: bool, nothing_to_judge: bool) -> str:
    """What the sponsors are told, offering only the choices that can help."""
    if nothing_to_judge:
        return (
            "No entry arrived before the deadline, so there is nothing to judge. Cancel the challenge on "
            "its dashboard to take the bounty back."
        )
    count = f"{len(missing)} entr{'y has' if len(missing) == 1 else 'ies have'}"
    if not reviewed_any:
        return (
            f"The judging deadline passed and no review was submitted: {count} no review "
            f"({aliases(missing)}). Nothing is ranked until you extend judging or invite more judges."
        )
    return (
        f"The judging deadline passed and {count} no review ({aliases(missing)}). Nothing is ranked until "
        "you choose: extend judging, invite more judges, or accept the results with those entries flagged."
    )


@atomic
def extend_judging(
    challenge_id: int, actor: User, judging_due_at: datetime, *, now: datetime | None = None
) -> None:
    """Give the judges until ``judging_due_at``: judging runs again, entries short of judges get any
    free judge on the panel (newly invited ones included), and results follow at the new deadline."""
    now = now or utcnow()
    challenge = lock_challenge(challenge_id)
    require_manager(actor, challenge)
    if judging_due_at.tzinfo is None:
        raise ValidationFailed("The new judging deadline needs a timezone.", field="judging_due_at")
    if challenge.state is Status.JUDGING and judging_due_at == challenge.judging_due_at:
        raise AlreadyDone(f"Judging already runs until {judging_due_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC.")
    if judging_due_at > now + LONGEST_EXTENSION:
        raise ValidationFailed(
            f"Judging can be extended by at most {LONGEST_EXTENSION.days} days from now: the bounty waits "
            "in escrow until it ends.",
            field="judging_due_at",
        )
    check(challenge, Action.EXTEND_JUDGING)
    if judging_due_at <= max(now, challenge.judging_due_at):
        raise ValidationFailed(
            "The new judging deadline must be later than both now and the current one.",
            field="judging_due_at",
        )
    previous = challenge.judging_due_at
    challenge.judging_due_at = judging_due_at
    transition(
        challenge,
        Action.EXTEND_JUDGING,
        actor=actor,
        now=now,
        event="judging.extended",
        previous=previous.isoformat(),
        judging_due_at=judging_due_at.isoformat(),
    )
    jobs.enqueue(REASSIGN_JOB, challenge.id, subject=challenge, started_by=actor, commit=False)
    schedule_aggregation(challenge, judging_due_at, actor)
    db.session.commit()


def extra_review_due(challenge_judging_due_at: datetime, now: datetime) -> datetime:
    """When an extra review asked for now is due: the judging deadline if it is still ahead,
    else the shortest judging window from now, so the judge has time to submit it."""
    return max(challenge_judging_due_at, now + current_app.config["CHALLENGE_MIN_JUDGING_WINDOW"])
