"""Shared set-up for challenge service tests: a funded sponsor and valid terms at a chosen moment."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from app.accounts import services as accounts
from app.challenges.rules import ChallengeTerms, Criterion
from app.core.access import Role
from app.ledger import services as payouts

DAY = timedelta(days=1)


def terms_at(now: datetime, **changes: Any) -> ChallengeTerms:
    """Terms that pass every rule when posted at ``now``: opens in a day, two weeks to submit."""
    terms = ChallengeTerms(
        title="Route optimiser",
        summary="Cut delivery miles by a tenth.",
        brief_md="# Brief\nDo it **well**.",
        rules_md="Be kind.",
        skills=("Python", "Operations research"),
        eligibility="open",
        currency="EUR",
        bounty_minor=1_000_000,
        tiers_bp=(5000, 3000, 2000),
        tie_rule="share",
        unawarded_rule="return",
        opens_at=now + DAY,
        closes_at=now + 15 * DAY,
        judging_due_at=now + 29 * DAY,
        max_file_bytes=100 * 1024 * 1024,
        allowed_types=("application/pdf",),
        submissions_per_contributor=1,
        versions_per_submission=10,
        judges_per_entry=3,
        criteria=(Criterion("Impact", "How many miles saved?", 2), Criterion("Clarity", "", 1)),
    )
    return replace(terms, **changes)


class Sponsor:
    """A sponsor organisation with a member, an admin, and an outsider from another sponsor."""

    def __init__(self, make_user):
        self.org = accounts.create_organization("Acme", ["acme.example"], is_sponsor=True)
        self.rival_org = accounts.create_organization("Rival", ["rival.example"], is_sponsor=True)
        self.member = make_user("sam@acme.example", Role.SPONSOR)
        self.outsider = make_user("olga@rival.example", Role.SPONSOR)
        self.admin = make_user("root@podium.example", Role.ADMIN)

    def deposit(self, amount_minor: int, currency: str = "EUR", reference: str = "WIRE-1") -> None:
        payouts.record_deposit(self.org.id, currency, amount_minor, reference, actor=self.admin)

    def grant_points(self, amount: int, reference: str = "BUDGET-1") -> None:
        payouts.grant_points(self.org.id, amount, reference, actor=self.admin)
