"""Checks that the ledger keeps its invariants, for ``flask ledger verify`` and for tests."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby

from sqlalchemy import func, select

from app.challenges.lifecycle import Status
from app.challenges.models import Challenge
from app.core.money import MoneyError, format_money, normalise_currency
from app.extensions import db
from app.ledger import posting as ledger
from app.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction
from app.payouts.models import Payout, PayoutStatus

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


def _paid_payouts_without_their_payment() -> Iterator[str]:
    """A paid payout's ledger payment moves exactly its amount from the recipient's payable account to
    the recipient's paid-out account, and nothing else."""
    legs = db.session.execute(
        select(
            Payout, LedgerEntry.amount_minor, LedgerEntry.currency, LedgerAccount.kind, LedgerAccount.user_id
        )
        .outerjoin(LedgerEntry, LedgerEntry.transaction_id == Payout.paid_transaction_id)
        .outerjoin(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(Payout.status == PayoutStatus.PAID.value)
        .order_by(Payout.id, LedgerEntry.id)
        .execution_options(yield_per=5000)
    )
    for payout, rows in groupby(legs, key=lambda row: row[0]):
        found = sorted(
            (row.kind, row.user_id, row.currency, row.amount_minor) for row in rows if row.kind is not None
        )
        expected = sorted(
            [
                (AccountKind.PAID_OUT.value, payout.recipient_id, payout.currency, payout.amount_minor),
                (AccountKind.PAYABLE.value, payout.recipient_id, payout.currency, -payout.amount_minor),
            ]
        )
        if payout.paid_transaction_id is None or not found:
            yield f"Payout {payout.reference} is paid, but no ledger transaction pays it out."
        elif found != expected:
            yield (
                f"Payout {payout.reference} is paid with {_amount(payout.amount_minor, payout.currency)}, but "
                f"its ledger transaction #{payout.paid_transaction_id} does not move exactly that from the "
                "recipient's payable account to their paid-out account."
            )


def _payments_without_a_paid_payout() -> Iterator[str]:
    recorded = select(Payout.paid_transaction_id).where(
        Payout.status == PayoutStatus.PAID.value, Payout.paid_transaction_id.is_not(None)
    )
    strays = db.session.scalars(
        select(LedgerTransaction)
        .where(LedgerTransaction.kind == "payout", LedgerTransaction.id.not_in(recorded))
        .order_by(LedgerTransaction.id)
    )
    for transaction in strays:
        yield (
            f"Transaction #{transaction.id} (payout, key {transaction.idempotency_key!r}) pays money out, "
            "but no paid payout records it."
        )


def _payouts_unlike_their_award() -> Iterator[str]:
    """Each payout is for exactly what the challenge's award credited its recipient."""
    credited = (
        select(func.sum(LedgerEntry.amount_minor))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerEntry.transaction_id == Payout.award_transaction_id,
            LedgerAccount.kind == AccountKind.PAYABLE.value,
            LedgerAccount.user_id == Payout.recipient_id,
            LedgerAccount.currency == Payout.currency,
        )
        .scalar_subquery()
    )
    rows = db.session.execute(select(Payout, credited).order_by(Payout.id).execution_options(yield_per=5000))
    for payout, amount in rows:
        if amount is None or int(amount) != payout.amount_minor:
            award = _amount(int(amount), payout.currency) if amount is not None else "nothing"
            yield (
                f"Payout {payout.reference} is for {_amount(payout.amount_minor, payout.currency)}, but the "
                f"award credited its recipient {award}."
            )


def verify_ledger() -> list[str]:
    """Every problem found, as a sentence: unbalanced transactions, entries whose currency differs
    from their account's, escrow left behind by challenges that are paid or cancelled, and payouts
    that disagree with the ledger (paid without a payment, a payment without a paid payout, a payout
    for another amount than its award).
    """
    return [
        *_unbalanced_transactions(),
        *_entries_in_the_wrong_currency(),
        *_settled_challenges_holding_escrow(),
        *_paid_payouts_without_their_payment(),
        *_payments_without_a_paid_payout(),
        *_payouts_unlike_their_award(),
    ]
