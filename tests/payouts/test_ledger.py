"""Posting to the ledger: balanced legs only, one transaction per idempotency key even under a race,
and one account per kind, currency and owner even when two requests create it at once.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db as database
from app.ledger import posting as ledger
from app.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction


def _transactions_with_key(db, key: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.idempotency_key == key)
    )


@pytest.fixture
def eur_accounts(db, sponsor_org):
    """The external EUR account and the sponsor's EUR account, committed so other sessions see them."""
    external = ledger.account(AccountKind.EXTERNAL, "EUR")
    sponsor = ledger.account(AccountKind.SPONSOR, "EUR", organization_id=sponsor_org.id)
    db.session.commit()
    return external, sponsor


def test_post_records_each_leg_as_an_entry_in_its_accounts_currency(db, eur_accounts):
    external, sponsor = eur_accounts
    transaction = ledger.post("deposit:1", "deposit", [(external, -2500), (sponsor, 2500)], reference="W-1")
    db.session.commit()
    db.session.expire_all()
    entries = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.transaction_id == transaction.id)
    ).all()
    assert sorted((entry.account_id, entry.amount_minor, entry.currency) for entry in entries) == sorted(
        [(external.id, -2500, "EUR"), (sponsor.id, 2500, "EUR")]
    )
    assert (ledger.balance(external), ledger.balance(sponsor)) == (-2500, 2500)


@pytest.mark.parametrize(
    "amounts",
    [
        pytest.param((-2500, 2400), id="off-by-one-euro"),
        pytest.param((2500, 2500), id="both-sides-credit"),
        pytest.param((2500,), id="single-leg"),
        pytest.param((), id="no-legs"),
        pytest.param((0, 0), id="zero-legs"),
    ],
)
def test_post_refuses_legs_that_do_not_cancel_and_adds_nothing(db, eur_accounts, amounts):
    accounts = eur_accounts
    legs = [(accounts[index % 2], amount) for index, amount in enumerate(amounts)]
    with pytest.raises(ledger.UnbalancedTransaction):
        ledger.post("deposit:bad", "deposit", legs)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(LedgerTransaction)) == 0
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_post_refuses_legs_that_only_cancel_across_currencies(db, sponsor_org):
    euros = ledger.account(AccountKind.SPONSOR, "EUR", organization_id=sponsor_org.id)
    dollars = ledger.account(AccountKind.EXTERNAL, "USD")
    with pytest.raises(ledger.UnbalancedTransaction, match="EUR"):
        ledger.post("mixed", "deposit", [(dollars, -500), (euros, 500)])


def test_second_post_with_the_same_key_raises_duplicate_and_leaves_one_transaction(db, eur_accounts):
    external, sponsor = eur_accounts
    ledger.post("deposit:once", "deposit", [(external, -100), (sponsor, 100)])
    db.session.commit()
    with pytest.raises(ledger.DuplicateTransaction) as refused:
        ledger.post("deposit:once", "deposit", [(external, -100), (sponsor, 100)])
    assert refused.value.status == 409
    db.session.commit()
    assert _transactions_with_key(db, "deposit:once") == 1
    assert ledger.balance(sponsor) == 100


def test_duplicate_in_the_same_session_keeps_the_session_usable(db, eur_accounts):
    external, sponsor = eur_accounts
    ledger.post("deposit:a", "deposit", [(external, -100), (sponsor, 100)])
    with pytest.raises(ledger.DuplicateTransaction):
        ledger.post("deposit:a", "deposit", [(external, -100), (sponsor, 100)])
    ledger.post("deposit:b", "deposit", [(external, -7), (sponsor, 7)])
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(LedgerTransaction)) == 2
    assert ledger.balance(sponsor) == 107


def test_concurrent_posts_with_the_same_key_make_exactly_one_transaction(db, eur_accounts, race):
    external_id, sponsor_id = (account.id for account in eur_accounts)

    def post_once() -> int:
        external = database.session.get(LedgerAccount, external_id)
        sponsor = database.session.get(LedgerAccount, sponsor_id)
        return ledger.post("deposit:race", "deposit", [(external, -900), (sponsor, 900)]).id

    outcomes = race(post_once)

    posted = [outcome for outcome in outcomes if isinstance(outcome, int)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, ledger.DuplicateTransaction)]
    assert (len(posted), len(refused)) == (1, 1), outcomes
    assert _transactions_with_key(db, "deposit:race") == 1
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 2
    assert ledger.balance(eur_accounts[1]) == 900


def test_account_returns_the_same_account_on_every_call(db, sponsor_org):
    first = ledger.account(AccountKind.SPONSOR, "EUR", organization_id=sponsor_org.id)
    db.session.commit()
    second = ledger.account(AccountKind.SPONSOR, "EUR", organization_id=sponsor_org.id)
    assert first.id == second.id
    assert db.session.scalar(select(func.count()).select_from(LedgerAccount)) == 1


def test_account_keeps_kinds_currencies_and_owners_apart(db, sponsor_org, other_sponsor_org):
    accounts = {
        ledger.account(AccountKind.SPONSOR, "EUR", organization_id=sponsor_org.id).id,
        ledger.account(AccountKind.SPONSOR, "USD", organization_id=sponsor_org.id).id,
        ledger.account(AccountKind.SPONSOR, "EUR", organization_id=other_sponsor_org.id).id,
        ledger.account(AccountKind.EXTERNAL, "EUR").id,
        ledger.account(AccountKind.PAID_OUT, "EUR").id,
    }
    assert len(accounts) == 5


@pytest.mark.parametrize("owned", [True, False], ids=["sponsor-account", "external-account"])
def test_concurrent_creation_of_one_account_yields_one_row(db, sponsor_org, race, owned):
    owner = {"organization_id": sponsor_org.id} if owned else {}
    kind = AccountKind.SPONSOR if owned else AccountKind.EXTERNAL

    outcomes = race(lambda: ledger.account(kind, "CHF", **owner).id)

    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert outcomes[0] == outcomes[1]
    rows = db.session.scalar(
        select(func.count()).select_from(LedgerAccount).where(LedgerAccount.currency == "CHF")
    )
    assert rows == 1
