"""Who may submit what, and until when: plain functions over plain facts, no Flask, no database."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.timefmt import exact_span

ALIAS_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
ALIAS_LENGTH = 4


def new_alias() -> str:
    """A random alias such as "K7QF"; callers retry on the rare clash within a challenge."""
    return "".join(secrets.choice(ALIAS_ALPHABET) for _ in range(ALIAS_LENGTH))


@dataclass(frozen=True)
class Entrant:
    """What eligibility needs to know about the person submitting."""

    is_contributor: bool
    is_internal: bool
    has_manager_approval: bool
    active_submissions: int


@dataclass(frozen=True)
class Terms:
    """What eligibility needs to know about the challenge."""

    is_open: bool
    eligibility: str
    requires_manager_approval: bool
    submissions_per_contributor: int


def entry_problem(terms: Terms, entrant: Entrant, *, new_submission: bool) -> str | None:
    """Why this person can't submit to this challenge now, or None when they can."""
    if not entrant.is_contributor:
        return "Only contributors can submit; ask an administrator for the contributor role."
    if not terms.is_open:
        return "This challenge is not open for submissions."
    if terms.eligibility == "internal" and not entrant.is_internal:
        return "Only employees of the host organisation (internal contributors) may enter this challenge."
    if terms.eligibility == "external" and entrant.is_internal:
        return (
            "This challenge is for external contributors; employees of the host organisation may not enter."
        )
    if terms.requires_manager_approval and entrant.is_internal and not entrant.has_manager_approval:
        return "This challenge needs your manager's approval before you can submit."
    if new_submission and entrant.active_submissions >= terms.submissions_per_contributor:
        limit = terms.submissions_per_contributor
        return f"You already have {limit} submission{'s' if limit != 1 else ''} here, the most allowed."
    return None


def deadline_problem(
    *, now: datetime, closes_at: datetime, started_at: datetime, grace: timedelta
) -> str | None:
    """The deadline rule, by the server's clock: files are accepted until the challenge closes, and
    an upload started before then may still finish within the grace period after it."""
    if now <= closes_at:
        return None
    if started_at < closes_at and now <= closes_at + grace:
        return None
    return (
        "The challenge closed before this upload could be accepted. Uploads started before the "
        f"deadline may finish up to {exact_span(grace)} after it."
    )
