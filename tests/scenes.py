"""A shared scene for tests across domains: a host, a funded open challenge, its sponsor, an admin,
and contributors inside and outside the host organisation. Registered in tests/conftest.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from app.accounts import services as accounts
from app.challenges import services as challenges
from app.core.access import Role
from app.core.timeutil import utcnow
from tests.challenges.support import terms_at


@dataclass
class Scene:
    org: object
    sponsor: object
    admin: object
    alice: object  # external contributor
    bob: object  # another external contributor
    inez: object  # internal contributor
    challenge: object


@pytest.fixture
def scene(db, redis, make_user) -> Scene:
    accounts.create_organization("Host", ["host.example"], is_host=True)
    org = accounts.create_organization("Acme", ["acme.example"], is_sponsor=True)
    sponsor = make_user("sam@acme.example", Role.SPONSOR)
    admin = make_user("root@host.example", Role.ADMIN)
    alice = make_user("alice@outside.example", Role.CONTRIBUTOR, name="Alice Appleby")
    bob = make_user("bob@outside.example", Role.CONTRIBUTOR, name="Bob Brown")
    inez = make_user("inez@host.example", Role.CONTRIBUTOR, name="Inez Internal")
    from app.ledger import services as payouts

    payouts.record_deposit(org.id, "EUR", 5_000_000, "WIRE-SUB", actor=admin)
    now = utcnow()
    terms = terms_at(
        now,
        opens_at=now,
        closes_at=now + timedelta(days=7),
        judging_due_at=now + timedelta(days=14),
        max_file_bytes=64 * 1024 * 1024,
        allowed_types=("application/pdf", "text/csv"),
        submissions_per_contributor=1,
        versions_per_submission=3,
    )
    challenge = challenges.create_challenge(sponsor, terms, now=now)
    challenges.fund_challenge(challenge.id, sponsor, now=now)
    challenges.open_now(challenge.id, sponsor, now=now)
    return Scene(org, sponsor, admin, alice, bob, inez, challenge)


def close_with_grace_over(challenge) -> bool:
    """Test set-up for a worker to assign judges at once: the challenge's deadline and the grace
    window after it are both past (judging starts only then), and it closes now."""
    from flask import current_app

    from app.extensions import db

    challenge.closes_at = utcnow() - current_app.config["SUBMISSION_GRACE"] - timedelta(seconds=1)
    db.session.commit()
    return challenges.close_if_due(challenge.id)
