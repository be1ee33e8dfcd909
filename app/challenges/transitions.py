"""The one way a challenge's status changes: check the action against the lifecycle, apply it, audit it.

``lifecycle.py`` declares, as plain data, which action leads from which states to which. Every domain that
moves a challenge (challenges opening and closing it, judging proposing results or reopening them for an
extra review, awards publishing, payouts marking it paid) calls ``transition`` here; no other code writes
``challenge.status``. The caller holds the challenge's row lock (``lock_challenge``) and commits, so the
status, the audit event and whatever the move pays for commit together or not at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.challenges.lifecycle import (
    TRANSITIONS,
    Action,
    IllegalTransition,
    Status,
    already_holds,
    next_status,
)
from app.challenges.models import Challenge
from app.core import audit
from app.core.errors import AlreadyDone, Conflict


class ChallengeStateError(Conflict):
    """The action is not allowed in the challenge's current state."""

    code = "invalid_state"


def check(challenge: Challenge, action: Action) -> Status:
    """The state ``action`` would lead to from the challenge's current one; refused with the lifecycle's
    reason (a 409) when the action is not allowed now. Changes nothing."""
    try:
        return next_status(challenge.state, action)
    except IllegalTransition as refusal:
        raise ChallengeStateError(str(refusal)) from None


def unless_done(challenge: Challenge, action: Action) -> None:
    """Stop with ``AlreadyDone`` when what ``action`` brings about already holds: a repeated request
    (or one the sweep beat to it) succeeds, writes nothing and leaves no second audit event.
    Call it after the permission check, so only those who may act learn the state this way."""
    message = already_holds(challenge.state, action)
    if message is not None:
        raise AlreadyDone(message)


def transition(
    challenge: Challenge, action: Action, *, actor: Any, now: datetime, event: str, **details: Any
) -> Status:
    """Move the challenge by ``action`` and record ``event`` (with ``details``) in the audit log.

    Only actions that change the state come here; those that keep it (editing, extending a deadline,
    raising the bounty) are checked with ``check`` and audited by their own service.
    """
    if TRANSITIONS[action][1] is None:
        raise ValueError(f"{action} keeps the challenge's state; check it instead of applying it")
    target = check(challenge, action)
    challenge.status = target.value
    challenge.status_changed_at = now
    audit.record(event, challenge, actor=actor, **details)
    return target
