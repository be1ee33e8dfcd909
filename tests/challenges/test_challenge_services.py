"""Challenge services: posting, funding into escrow, top-ups, cancelling with refunds, permissions."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from app.challenges import services
from app.challenges.lifecycle import Status
from app.challenges.models import Challenge
from app.core.audit import AuditEvent
from app.core.errors import AlreadyDone, Conflict, PermissionDenied, ValidationFailed
from app.core.timeutil import utcnow
from app.ledger import posting as ledger
from app.ledger.models import LedgerEntry, LedgerTransaction
from app.ledger.services import organization_balances
from app.notifications.models import Notification
from tests.challenges.support import DAY, terms_at

pytestmark = pytest.mark.usefixtures("redis")


def _counts(db) -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Challenge, LedgerTransaction, LedgerEntry, AuditEvent)
    )


def test_a_sponsor_posts_a_draft_with_its_rubric_and_skills(db, sponsor):
    now = utcnow()
    challenge = services.create_challenge(sponsor.member, terms_at(now), now=now)
    assert challenge.state is Status.DRAFT
    assert challenge.slug == "route-optimiser"
    assert [c.name for c in challenge.criteria] == ["Impact", "Clarity"]
    assert sorted(s.slug for s in challenge.skills) == ["operations-research", "python"]
    # The stored terms read back as posted (skills come back in alphabetical order).
    assert services.terms_of(challenge) == terms_at(now, skills=("Operations research", "Python"))
    again = services.create_challenge(sponsor.member, terms_at(now), now=now)
    assert again.slug != challenge.slug and again.slug.startswith("route-optimiser-")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tiers_bp": (5000, 3000, 1000)}, "tiers"),
        ({"tiers_bp": (5000, 5000)}, "tiers"),
        ({"tiers_bp": (3000, 2000, 2000, 1500, 1000, 500)}, "tiers"),
        ({"bounty_minor": 0}, "bounty"),
        ({"bounty_minor": -5}, "bounty"),
        ({"currency": "EUROS"}, "currency"),
        ({"closes_at": "opens"}, "closes_at"),
        ({"criteria": ()}, "criteria"),
    ],
)
def test_bad_terms_are_refused_with_a_message_and_nothing_is_stored(db, sponsor, changes, field):
    now = utcnow()
    if changes.get("closes_at") == "opens":
        changes = {"closes_at": now + DAY - DAY / 2}  # before it opens
    before = _counts(db)
    with pytest.raises(ValidationFailed) as refusal:
        services.create_challenge(sponsor.member, terms_at(now, **changes), now=now)
    assert field in refusal.value.errors
    assert _counts(db) == before


def test_only_sponsors_with_an_organisation_may_post(db, sponsor, make_user):
    contributor = make_user("c@outside.example")
    with pytest.raises(PermissionDenied):
        services.create_challenge(contributor, terms_at(utcnow()))
    assert db.session.scalar(select(func.count()).select_from(Challenge)) == 0


def test_funding_moves_the_bounty_into_escrow_exactly(db, sponsor):
    sponsor.deposit(1_500_000)
    challenge = services.create_challenge(sponsor.member, terms_at(utcnow()))
    services.fund_challenge(challenge.id, sponsor.member)
    assert challenge.state is Status.FUNDED
    assert services.escrow_balance(challenge) == 1_000_000
    assert organization_balances(sponsor.org.id) == {"EUR": 500_000}
    fund = db.session.scalar(select(LedgerTransaction).where(LedgerTransaction.kind == "fund"))
    assert sum(entry.amount_minor for entry in fund.entries) == 0
    assert fund.idempotency_key == f"challenge:{challenge.id}:fund"


def test_funding_above_the_balance_is_refused_and_changes_nothing(db, sponsor):
    sponsor.deposit(999_999)
    challenge = services.create_challenge(sponsor.member, terms_at(utcnow()))
    before = _counts(db)
    with pytest.raises(ValidationFailed, match="needed"):
        services.fund_challenge(challenge.id, sponsor.member)
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).state is Status.DRAFT
    assert _counts(db) == before


def test_funding_twice_takes_the_money_once_and_says_it_was_already_funded(db, sponsor):
    sponsor.deposit(3_000_000)
    challenge = services.create_challenge(sponsor.member, terms_at(utcnow()))
    services.fund_challenge(challenge.id, sponsor.member)
    before = _counts(db)
    with pytest.raises(AlreadyDone, match="already funded"):
        services.fund_challenge(challenge.id, sponsor.member)
    assert _counts(db) == before
    assert organization_balances(sponsor.org.id) == {"EUR": 2_000_000}


def test_a_points_challenge_draws_on_the_points_budget(db, sponsor):
    sponsor.grant_points(5_000)
    challenge = services.create_challenge(
        sponsor.member, terms_at(utcnow(), currency="PTS", bounty_minor=3_000)
    )
    services.fund_challenge(challenge.id, sponsor.member)
    assert services.escrow_balance(challenge) == 3_000
    assert organization_balances(sponsor.org.id) == {"PTS": 2_000}


def test_two_simultaneous_fund_requests_make_exactly_one_transaction(app, db, sponsor):
    sponsor.deposit(5_000_000)
    challenge = services.create_challenge(sponsor.member, terms_at(utcnow()))
    challenge_id, member_id = challenge.id, sponsor.member.id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def fund() -> None:
        with app.app_context():
            from app.accounts.models import User
            from app.extensions import db as thread_db

            actor = thread_db.session.get(User, member_id)
            barrier.wait()
            try:
                services.fund_challenge(challenge_id, actor)
                outcomes.append("funded")
            except AlreadyDone as done:  # the other request got there first: a success, nothing twice
                outcomes.append(f"already: {done.message}")
            finally:
                thread_db.session.remove()

    threads = [threading.Thread(target=fund) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("funded") == 1 and len(outcomes) == 2, outcomes
    db.session.expire_all()
    funds = db.session.scalars(select(LedgerTransaction).where(LedgerTransaction.kind == "fund")).all()
    assert len(funds) == 1
    assert organization_balances(sponsor.org.id) == {"EUR": 4_000_000}


def test_raising_the_bounty_funds_the_difference_first(db, sponsor):
    sponsor.deposit(1_300_000)
    challenge = services.create_challenge(sponsor.member, terms_at(utcnow()))
    services.fund_challenge(challenge.id, sponsor.member)
    services.raise_bounty(challenge.id, sponsor.member, 1_250_050)
    assert challenge.bounty_minor == 1_250_050
    assert services.escrow_balance(challenge) == 1_250_050
    assert organization_balances(sponsor.org.id) == {"EUR": 49_950}
    with pytest.raises(ValidationFailed, match="never falls"):
        services.raise_bounty(challenge.id, sponsor.member, 1_000_000)
    with pytest.raises(ValidationFailed, match="needed"):
        services.raise_bounty(challenge.id, sponsor.member, 1_400_000)
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).bounty_minor == 1_250_050
    assert services.escrow_balance(challenge) == 1_250_050


def test_cancelling_refunds_escrow_to_the_cent_and_tells_the_team(db, sponsor):
    sponsor.deposit(2_000_000)
    challenge = services.create_challenge(sponsor.member, terms_at(utcnow()))
    services.fund_challenge(challenge.id, sponsor.member)
    services.raise_bounty(challenge.id, sponsor.member, 1_000_001)
    services.cancel_challenge(challenge.id, sponsor.member, "Budget moved to next year.")
    assert challenge.state is Status.CANCELLED
    assert services.escrow_balance(challenge) == 0
    assert organization_balances(sponsor.org.id) == {"EUR": 2_000_000}
    refund = db.session.scalar(select(LedgerTransaction).where(LedgerTransaction.kind == "refund"))
    assert {entry.amount_minor for entry in refund.entries} == {-1_000_001, 1_000_001}
    notes = db.session.scalars(select(Notification).where(Notification.user_id == sponsor.member.id)).all()
    assert any("Budget moved to next year." in note.body for note in notes)


def test_cancelling_without_a_reason_is_refused(db, sponsor):
    challenge = services.create_challenge(sponsor.member, terms_at(utcnow()))
    with pytest.raises(ValidationFailed, match="why"):
        services.cancel_challenge(challenge.id, sponsor.member, "  ")
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).state is Status.DRAFT


def test_the_ledger_stays_balanced_through_fund_top_up_and_cancel(db, sponsor, app):
    sponsor.deposit(3_000_000)
    challenge = services.create_challenge(sponsor.member, terms_at(utcnow()))
    services.fund_challenge(challenge.id, sponsor.member)
    services.raise_bounty(challenge.id, sponsor.member, 2_000_000)
    services.cancel_challenge(challenge.id, sponsor.member, "Changed plans")
    for transaction in db.session.scalars(select(LedgerTransaction)):
        assert ledger.imbalance((e.currency, e.amount_minor) for e in transaction.entries) == {}
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("action", ["edit", "fund", "raise", "extend", "cancel"])
def test_members_of_another_organisation_cannot_touch_the_challenge(db, sponsor, action):
    sponsor.deposit(2_000_000)
    now = utcnow()
    challenge = services.create_challenge(sponsor.member, terms_at(now))
    if action != "fund":
        services.fund_challenge(challenge.id, sponsor.member)
    before = _counts(db)
    calls = {
        "edit": lambda: services.update_challenge(
            challenge.id, sponsor.outsider, terms_at(now, title="Mine now")
        ),
        "fund": lambda: services.fund_challenge(challenge.id, sponsor.outsider),
        "raise": lambda: services.raise_bounty(challenge.id, sponsor.outsider, 2_000_000),
        "extend": lambda: services.extend_deadline(challenge.id, sponsor.outsider, challenge.closes_at + DAY),
        "cancel": lambda: services.cancel_challenge(challenge.id, sponsor.outsider, "hostile"),
    }
    with pytest.raises(PermissionDenied, match="Only members of Acme"):
        calls[action]()
    assert _counts(db) == before


def test_an_admin_may_act_for_any_sponsor(db, sponsor):
    sponsor.deposit(1_000_000)
    challenge = services.create_challenge(sponsor.member, terms_at(utcnow()))
    services.fund_challenge(challenge.id, sponsor.admin)
    assert challenge.state is Status.FUNDED


def test_after_opening_the_prize_terms_and_rubric_stay_fixed(db, sponsor):
    sponsor.deposit(1_000_000)
    now = utcnow()
    terms = terms_at(now)
    challenge = services.create_challenge(sponsor.member, terms, now=now)
    services.fund_challenge(challenge.id, sponsor.member, now=now)
    assert services.open_if_due(challenge.id, now=terms.opens_at)
    for changes in (
        {"tiers_bp": (4000, 4000, 2000)},
        {"criteria": terms.criteria[:1]},
        {"eligibility": "external"},
    ):
        with pytest.raises(ValidationFailed, match="can no longer change"):
            services.update_challenge(
                challenge.id, sponsor.member, replace(terms, **changes), now=terms.opens_at
            )
    services.update_challenge(
        challenge.id, sponsor.member, replace(terms, summary="Clarified summary."), now=terms.opens_at
    )
    db.session.expire_all()
    stored = db.session.get(Challenge, challenge.id)
    assert stored.summary == "Clarified summary."
    assert stored.tiers_bp == [5000, 3000, 2000]


def test_after_funding_the_bounty_changes_only_by_top_up(db, sponsor):
    sponsor.deposit(2_000_000)
    now = utcnow()
    challenge = services.create_challenge(sponsor.member, terms_at(now), now=now)
    services.fund_challenge(challenge.id, sponsor.member, now=now)
    with pytest.raises(ValidationFailed, match="bounty"):
        services.update_challenge(challenge.id, sponsor.member, terms_at(now, bounty_minor=500_000), now=now)
    services.update_challenge(
        challenge.id, sponsor.member, terms_at(now, tiers_bp=(6000, 2500, 1500)), now=now
    )
    assert challenge.tiers_bp == [6000, 2500, 1500]


def test_publishing_an_unfunded_challenge_is_refused(db, sponsor):
    challenge = services.create_challenge(sponsor.member, terms_at(utcnow()))
    with pytest.raises(Conflict, match="fund the bounty into escrow first"):
        services.open_now(challenge.id, sponsor.member)
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).state is Status.DRAFT


def test_opening_early_moves_the_opening_time_to_now(db, sponsor):
    sponsor.deposit(1_000_000)
    now = utcnow()
    challenge = services.create_challenge(sponsor.member, terms_at(now), now=now)
    services.fund_challenge(challenge.id, sponsor.member, now=now)
    services.open_now(challenge.id, sponsor.member, now=now)
    assert challenge.state is Status.OPEN
    assert challenge.opens_at == now


def test_closing_before_the_deadline_is_refused_and_closing_twice_says_it_was_already_closed(db, sponsor):
    sponsor.deposit(1_000_000)
    now = utcnow()
    terms = terms_at(now)
    challenge = services.create_challenge(sponsor.member, terms, now=now)
    services.fund_challenge(challenge.id, sponsor.member, now=now)
    services.open_now(challenge.id, sponsor.member, now=now)
    with pytest.raises(ValidationFailed, match="server's clock"):
        services.close_now(challenge.id, sponsor.member, now=terms.closes_at - DAY)
    services.close_now(challenge.id, sponsor.member, now=terms.closes_at)
    before = _counts(db)
    with pytest.raises(AlreadyDone, match="already closed"):
        services.close_now(challenge.id, sponsor.member, now=terms.closes_at)
    assert _counts(db) == before
