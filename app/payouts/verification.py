"""Checks that the ledger keeps its invariants, for ``flask ledger verify`` and for tests."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby

from sqlalchemy import func, select

from app.challenges.lifecycle import Status
from app.challenges.models import Challenge
from app.extensions import db
from app.payouts import ledger
from app.payouts.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction
from app.payouts.money import MoneyError, format_money, normalise_currency

# Once a challenge is paid or cancelled, its escrow must have been paid out or refunded in full.
SETTLED_STATUSES = (Status.CANCELLED.value, Status.PAID.value)


def _amount(amount_minor: int, currency: str) -> str:
    try:
        return format_money(amount_minor, normalise_currency(currency))
    except MoneyError:
        return f"{amount_minor} minor units of {currency!r}"


def _unbalanced_transactions() -> Iterator[str]:
    legs = db.session.execute(
        select(LedgerEntry.transaction_id, LedgerEntry.currency, LedgerEntry.amount_minor)
        .order_by(LedgerEntry.transaction_id, LedgerEntry.id)
        .execution_options(yield_per=5000)  # a ledger grows without bound; stream it
    )
    unbalanced = {
        transaction_id: off
        for transaction_id, rows in groupby(legs, key=lambda row: row.transaction_id)
        if (off := ledger.imbalance((row.currency, row.amount_minor) for row in rows))
    }
    if not unbalanced:
        return
    transactions = db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.id.in_(unbalanced)).order_by(LedgerTransaction.id)
    )
    for transaction in transactions:
        by_currency = ", ".join(
            f"{currency} by {_amount(total, currency)}"
            for currency, total in unbalanced[transaction.id].items()
        )
        yield (
            f"Transaction #{transaction.id} ({transaction.kind}, key {transaction.idempotency_key!r}) "
            f"does not balance: its entries miss zero in {by_currency}."
        )


def _entries_in_the_wrong_currency() -> Iterator[str]:
    mismatched = db.session.execute(
        select(LedgerEntry.id, LedgerEntry.transaction_id, LedgerEntry.currency, LedgerAccount)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerEntry.currency != LedgerAccount.currency)
        .order_by(LedgerEntry.id)
    )
    for entry_id, transaction_id, currency, account in mismatched:
        yield (
            f"Entry #{entry_id} of transaction #{transaction_id} is in {currency}, "
            f"but its {account.kind} account #{account.id} is in {account.currency}."
        )


def _settled_challenges_holding_escrow() -> Iterator[str]:
    held = db.session.execute(
        select(
            Challenge.id,
            Challenge.slug,
            Challenge.status,
            LedgerAccount.currency,
            func.sum(LedgerEntry.amount_minor),
        )
        .join(LedgerAccount, LedgerAccount.challenge_id == Challenge.id)
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .where(Challenge.status.in_(SETTLED_STATUSES), LedgerAccount.kind == AccountKind.ESCROW.value)
        .group_by(Challenge.id, Challenge.slug, Challenge.status, LedgerAccount.id, LedgerAccount.currency)
        .having(func.sum(LedgerEntry.amount_minor) != 0)
        .order_by(Challenge.id, LedgerAccount.currency)
    )
    for challenge_id, slug, status, currency, total in held:
        yield (
            f"Challenge #{challenge_id} ({slug!r}) is {status}, "
            f"but its escrow still holds {_amount(total, currency)}."
        )


def verify_ledger() -> list[str]:
    """Every problem found, as a sentence: unbalanced transactions, entries whose currency differs
    from their account's, and escrow left behind by challenges that are paid or cancelled.
    """
    return [
        *_unbalanced_transactions(),
        *_entries_in_the_wrong_currency(),
        *_settled_challenges_holding_escrow(),
    ]
