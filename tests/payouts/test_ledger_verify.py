"""``flask ledger verify``: a healthy ledger passes; an unbalanced transaction, an entry in another
currency than its account, or escrow left on a paid or cancelled challenge is named and fails the run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.challenges.models import Challenge
from app.ledger import posting as ledger
from app.ledger import services
from app.ledger.models import AccountKind, LedgerEntry, LedgerTransaction
from app.payouts.verification import verify_ledger


def _verify(app):
    return app.test_cli_runner().invoke(args=["ledger", "verify"])


def _challenge(db, sponsor_org, *, status: str, slug: str = "warehouse-robots") -> Challenge:
    opens_at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    challenge = Challenge(
        slug=slug,
        title="Warehouse robots",
        summary="Pick faster without dropping parcels.",
        sponsor_org_id=sponsor_org.id,
        currency="EUR",
        bounty_minor=500_000,
        tiers_bp=[6000, 3000, 1000],
        opens_at=opens_at,
        closes_at=opens_at + timedelta(days=30),
        judging_due_at=opens_at + timedelta(days=45),
        max_file_bytes=50 * 1024 * 1024,
        allowed_types=["application/pdf"],
        status=status,
    )
    db.session.add(challenge)
    db.session.commit()
    return challenge


def _fund(db, challenge: Challenge, amount_minor: int, *, key: str):
    sponsor = ledger.account(AccountKind.SPONSOR, "EUR", organization_id=challenge.sponsor_org_id)
    escrow = ledger.account(AccountKind.ESCROW, "EUR", challenge_id=challenge.id)
    ledger.post(key, "funding", [(sponsor, -amount_minor), (escrow, amount_minor)], challenge_id=challenge.id)
    db.session.commit()
    return sponsor, escrow


@pytest.fixture
def funded_sponsor(db, admin, sponsor_org):
    services.record_deposit(sponsor_org.id, "EUR", 1_000_000, "WIRE-1", actor=admin)
    services.grant_points(sponsor_org.id, 5_000, "GRANT-1", actor=admin)
    return sponsor_org


def test_empty_ledger_verifies(db, app):
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert "ledger verified: 0 transactions balance" in result.output


def test_healthy_ledger_verifies_and_counts_its_transactions(db, app, funded_sponsor):
    _fund(db, _challenge(db, funded_sponsor, status="open"), 500_000, key="fund:1")

    result = _verify(app)

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "ledger verified: 3 transactions balance"
    assert verify_ledger() == []


def test_transaction_inserted_unbalanced_behind_posts_back_is_named_and_fails(db, app, funded_sponsor):
    sponsor = ledger.account(AccountKind.SPONSOR, "EUR", organization_id=funded_sponsor.id)
    external = ledger.account(AccountKind.EXTERNAL, "EUR")
    broken = LedgerTransaction(
        idempotency_key="manual:typo",
        kind="deposit",
        entries=[
            LedgerEntry(account=external, amount_minor=-10_000, currency="EUR"),
            LedgerEntry(account=sponsor, amount_minor=100_000, currency="EUR"),
        ],
    )
    db.session.add(broken)
    db.session.commit()

    result = _verify(app)

    assert result.exit_code != 0
    assert f"Transaction #{broken.id} (deposit, key 'manual:typo') does not balance" in result.output
    assert "EUR by €900.00" in result.output
    assert verify_ledger() == [
        f"Transaction #{broken.id} (deposit, key 'manual:typo') does not balance: "
        "its entries miss zero in EUR by €900.00."
    ]


def test_single_entry_transaction_is_unbalanced(db, app, sponsor_org):
    sponsor = ledger.account(AccountKind.SPONSOR, "PTS", organization_id=sponsor_org.id)
    db.session.add(
        LedgerTransaction(
            idempotency_key="manual:points",
            kind="points_grant",
            entries=[LedgerEntry(account=sponsor, amount_minor=300, currency="PTS")],
        )
    )
    db.session.commit()

    result = _verify(app)

    assert result.exit_code != 0
    assert "PTS by 300 pts" in result.output


def test_entry_in_another_currency_than_its_account_is_reported(db, app, sponsor_org):
    # Balanced in USD, so only the currency check can catch it.
    euros_external = ledger.account(AccountKind.EXTERNAL, "EUR")
    euros_sponsor = ledger.account(AccountKind.SPONSOR, "EUR", organization_id=sponsor_org.id)
    mixed = LedgerTransaction(
        idempotency_key="manual:usd-into-eur",
        kind="deposit",
        entries=[
            LedgerEntry(account=euros_external, amount_minor=-500, currency="USD"),
            LedgerEntry(account=euros_sponsor, amount_minor=500, currency="USD"),
        ],
    )
    db.session.add(mixed)
    db.session.commit()

    problems = verify_ledger()
    result = _verify(app)

    first, second = mixed.entries
    assert problems == [
        f"Entry #{first.id} of transaction #{mixed.id} is in USD, "
        f"but its external account #{euros_external.id} is in EUR.",
        f"Entry #{second.id} of transaction #{mixed.id} is in USD, "
        f"but its sponsor account #{euros_sponsor.id} is in EUR.",
    ]
    assert result.exit_code != 0
    assert problems[0] in result.output


@pytest.mark.parametrize("status", ["cancelled", "paid"])
def test_settled_challenge_with_money_left_in_escrow_is_reported(db, app, funded_sponsor, status):
    challenge = _challenge(db, funded_sponsor, status=status)
    _fund(db, challenge, 500_000, key="fund:1")

    result = _verify(app)

    assert result.exit_code != 0
    assert (
        f"Challenge #{challenge.id} ('warehouse-robots') is {status}, but its escrow still holds €5,000.00."
        in result.output
    )


def test_cancelled_challenge_whose_escrow_was_refunded_verifies(db, app, funded_sponsor):
    challenge = _challenge(db, funded_sponsor, status="cancelled")
    sponsor, escrow = _fund(db, challenge, 500_000, key="fund:1")
    ledger.post("refund:1", "refund", [(escrow, -500_000), (sponsor, 500_000)], challenge_id=challenge.id)
    db.session.commit()

    result = _verify(app)

    assert result.exit_code == 0, result.output
    assert "ledger verified: 4 transactions balance" in result.output


def test_open_challenge_may_hold_escrow(db, funded_sponsor):
    _fund(db, _challenge(db, funded_sponsor, status="judging"), 500_000, key="fund:1")
    assert verify_ledger() == []


def test_every_problem_is_listed_not_only_the_first(db, app, funded_sponsor):
    _fund(db, _challenge(db, funded_sponsor, status="cancelled", slug="first"), 100, key="fund:1")
    _fund(db, _challenge(db, funded_sponsor, status="paid", slug="second"), 200, key="fund:2")

    result = _verify(app)

    assert result.exit_code != 0
    assert "('first') is cancelled" in result.output
    assert "('second') is paid" in result.output
    assert "2 problem(s) found" in result.output
