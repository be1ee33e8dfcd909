"""Every lifecycle service in every state: allowed moves succeed, the rest are refused and change nothing."""

from __future__ import annotations

import itertools

import pytest
from flask import current_app
from sqlalchemy import func, select

from app.challenges import services
from app.challenges.lifecycle import Action, Status, already_holds, is_allowed
from app.challenges.models import Challenge
from app.core.audit import AuditEvent
from app.core.errors import AlreadyDone, Conflict
from app.core.timeutil import utcnow
from app.ledger.models import LedgerEntry, LedgerTransaction
from tests.challenges.support import DAY, terms_at

pytestmark = pytest.mark.usefixtures("redis")

# service action → the lifecycle action it performs
SERVICE_ACTIONS = {
    "edit": Action.EDIT,
    "fund": Action.FUND,
    "open": Action.OPEN,
    "close": Action.CLOSE,
    "start_judging": Action.START_JUDGING,
    "extend": Action.EXTEND_DEADLINE,
    "raise": Action.RAISE_BOUNTY,
    "cancel": Action.CANCEL,
}


def _challenge_in(sponsor, status: Status, now) -> Challenge:
    """Walk the real services as far as they go, then place the row in later states directly."""
    challenge = services.create_challenge(sponsor.member, terms_at(now), now=now)
    if status is Status.DRAFT:
        return challenge
    services.fund_challenge(challenge.id, sponsor.member, now=now)
    if status is not Status.FUNDED:
        challenge.status = status.value
        from app.extensions import db

        db.session.commit()
    return challenge


def _snapshot(db, challenge_id):
    db.session.expire_all()
    challenge = db.session.get(Challenge, challenge_id)
    counts = tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (LedgerTransaction, LedgerEntry, AuditEvent)
    )
    return challenge.status, challenge.bounty_minor, challenge.closes_at, challenge.summary, counts


def _perform(name, challenge, sponsor, now):
    terms = terms_at(now)
    grace_over = terms.closes_at + current_app.config["SUBMISSION_GRACE"]
    when_due = {"open": terms.opens_at, "close": terms.closes_at, "start_judging": grace_over}.get(name, now)
    calls = {
        "edit": lambda: services.update_challenge(
            challenge.id, sponsor.member, terms_at(now, summary="A clearer summary."), now=now
        ),
        "fund": lambda: services.fund_challenge(challenge.id, sponsor.member, now=now),
        "open": lambda: services.open_if_due(challenge.id, now=when_due),
        "close": lambda: services.close_if_due(challenge.id, now=when_due),
        "start_judging": lambda: services.start_judging(challenge.id, actor=sponsor.member, now=when_due),
        "extend": lambda: services.extend_deadline(
            challenge.id, sponsor.member, terms.closes_at + DAY, now=now
        ),
        "raise": lambda: services.raise_bounty(
            challenge.id, sponsor.member, terms.bounty_minor + 100, now=now
        ),
        "cancel": lambda: services.cancel_challenge(
            challenge.id, sponsor.member, "Testing every state", now=now
        ),
    }
    return calls[name]()


@pytest.mark.parametrize(("status", "name"), list(itertools.product(Status, SERVICE_ACTIONS)))
def test_service_in_state(db, sponsor, status, name):
    sponsor.deposit(5_000_000)
    now = utcnow()
    challenge = _challenge_in(sponsor, status, now)
    before = _snapshot(db, challenge.id)
    action = SERVICE_ACTIONS[name]

    if is_allowed(status, action):
        _perform(name, challenge, sponsor, now)
        after = _snapshot(db, challenge.id)
        assert after != before, "an allowed action must change something"
        expected = {
            Action.FUND: Status.FUNDED,
            Action.OPEN: Status.OPEN,
            Action.CLOSE: Status.CLOSED,
            Action.START_JUDGING: Status.JUDGING,
            Action.CANCEL: Status.CANCELLED,
        }.get(action, status)
        assert after[0] == expected.value
    elif name in ("open", "close"):
        # The clock-driven transitions are idempotent no-ops when not applicable, as jobs must be.
        assert _perform(name, challenge, sponsor, now) is False
        assert _snapshot(db, challenge.id) == before
    elif already_holds(status, action):
        # Asked again where it already holds: a success that says so, and writes nothing.
        with pytest.raises(AlreadyDone, match="already"):
            _perform(name, challenge, sponsor, now)
        assert _snapshot(db, challenge.id) == before
    else:
        with pytest.raises(Conflict):
            _perform(name, challenge, sponsor, now)
        assert _snapshot(db, challenge.id) == before


def test_clock_transitions_wait_for_their_time(db, sponsor):
    sponsor.deposit(1_000_000)
    now = utcnow()
    terms = terms_at(now)
    challenge = _challenge_in(sponsor, Status.FUNDED, now)
    assert services.open_if_due(challenge.id, now=terms.opens_at - DAY / 24) is False
    assert services.open_if_due(challenge.id, now=terms.opens_at) is True
    assert services.close_if_due(challenge.id, now=terms.closes_at - DAY / 24) is False
    assert services.close_if_due(challenge.id, now=terms.closes_at) is True
    assert services.close_if_due(challenge.id, now=terms.closes_at) is False  # a second run changes nothing
