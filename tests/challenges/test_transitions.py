"""``transitions.transition``: the one function that moves a challenge, checks the move and audits it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.challenges import services
from app.challenges.lifecycle import Action, Status
from app.challenges.transitions import ChallengeStateError, check, transition
from app.core.audit import AuditEvent
from app.core.timeutil import utcnow
from tests.challenges.support import terms_at

pytestmark = pytest.mark.usefixtures("redis")


def _events(db, challenge, action):
    return db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.subject_type == "challenges",
            AuditEvent.subject_id == str(challenge.id),
            AuditEvent.action == action,
        )
    ).all()


def test_a_move_sets_the_status_and_its_time_and_records_the_event(db, sponsor):
    now = utcnow()
    challenge = services.create_challenge(sponsor.member, terms_at(now), now=now)
    target = transition(
        challenge, Action.FUND, actor=sponsor.member, now=now, event="test.moved", note="by hand"
    )
    assert target is Status.FUNDED
    assert challenge.state is Status.FUNDED
    assert challenge.status_changed_at == now
    [event] = _events(db, challenge, "test.moved")
    assert event.actor_id == sponsor.member.id
    assert event.data == {"note": "by hand"}


def test_an_illegal_move_is_refused_with_the_lifecycles_reason_and_changes_nothing(db, sponsor):
    now = utcnow()
    challenge = services.create_challenge(sponsor.member, terms_at(now), now=now)
    before = challenge.status_changed_at
    with pytest.raises(ChallengeStateError, match="Awards are made only from proposed results"):
        transition(challenge, Action.AWARD, actor=sponsor.member, now=now, event="test.moved")
    assert challenge.state is Status.DRAFT
    assert challenge.status_changed_at == before
    assert _events(db, challenge, "test.moved") == []


def test_actions_that_keep_the_state_are_checked_not_applied(db, sponsor):
    now = utcnow()
    challenge = services.create_challenge(sponsor.member, terms_at(now), now=now)
    assert check(challenge, Action.EDIT) is Status.DRAFT
    with pytest.raises(ValueError, match="keeps the challenge's state"):
        transition(challenge, Action.EDIT, actor=sponsor.member, now=now, event="test.moved")
    assert _events(db, challenge, "test.moved") == []
