"""Posting to the double-entry ledger. Building blocks for services: they add to the session and
never commit, so a ledger movement and the state change it pays for commit together or not at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from app.core.errors import Conflict
from app.extensions import db
from app.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction

Leg = tuple[LedgerAccount, int]


class UnbalancedTransaction(ValueError):
    """The legs of a transaction do not sum to zero in every currency."""


class DuplicateTransaction(Conflict):
    """A transaction with this idempotency key already exists: the movement was already made."""

    code = "duplicate_transaction"


def imbalance(legs: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Per currency, what the (currency, amount) legs fail to cancel; empty when balanced."""
    totals: dict[str, int] = defaultdict(int)
    for currency, amount in legs:
        totals[currency] += amount
    return {currency: total for currency, total in totals.items() if total != 0}


def owner_label(organization_id: int | None, challenge_id: int | None, user_id: int | None) -> str:
    """The one string that names an account's owner, so uniqueness holds even for owner-less accounts."""
    owners = [
        f"{name}:{value}"
        for name, value in (("organization", organization_id), ("challenge", challenge_id), ("user", user_id))
        if value is not None
    ]
    if len(owners) > 1:
        raise ValueError("a ledger account has at most one owner")
    return owners[0] if owners else "platform"


def account(
    kind: AccountKind,
    currency: str,
    *,
    organization_id: int | None = None,
    challenge_id: int | None = None,
    user_id: int | None = None,
) -> LedgerAccount:
    """The account for this kind, currency and owner, created on first use.

    Two requests creating the same account at once meet on the unique (kind, currency, owner)
    constraint; the loser re-reads the winner's row after its savepoint rolls back, so the caller's
    transaction stays usable. This works the same on PostgreSQL and SQLite.
    """
    owner = owner_label(organization_id, challenge_id, user_id)
    query = _account_query(kind, currency, owner)
    found = db.session.scalar(query)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            created = LedgerAccount(
                kind=kind.value,
                currency=currency,
                owner=owner,
                organization_id=organization_id,
                challenge_id=challenge_id,
                user_id=user_id,
            )
            db.session.add(created)
    except IntegrityError:
        return db.session.scalars(query).one()
    return created


def _account_query(kind: AccountKind, currency: str, owner: str) -> Select[Any]:
    return select(LedgerAccount).where(
        LedgerAccount.kind == kind.value, LedgerAccount.currency == currency, LedgerAccount.owner == owner
    )


def balance_of(
    kind: AccountKind,
    currency: str,
    *,
    organization_id: int | None = None,
    challenge_id: int | None = None,
    user_id: int | None = None,
) -> int:
    """The balance of the account for this kind, currency and owner; 0 if it has never been used.

    For pages: unlike ``account`` it creates nothing, so reading a balance never writes.
    """
    owner = owner_label(organization_id, challenge_id, user_id)
    # One statement: the account joined to its entries (a missing account sums to nothing).
    total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
        .select_from(LedgerAccount)
        .outerjoin(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .where(
            LedgerAccount.kind == kind.value, LedgerAccount.currency == currency, LedgerAccount.owner == owner
        )
    )
    return int(total or 0)


def lock(ledger_account: LedgerAccount) -> None:
    """Hold the account's row until commit, so two requests cannot spend the same balance.

    PostgreSQL takes a row lock; SQLite serialises writers on its own.
    """
    db.session.execute(
        select(LedgerAccount.id).where(LedgerAccount.id == ledger_account.id).with_for_update()
    )


def balance(ledger_account: LedgerAccount) -> int:
    """The account's balance: the sum of its entries (there is no stored balance to drift).

    PostgreSQL sums a bigint column as numeric, which arrives as a Decimal; money stays an int here.
    """
    total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
            LedgerEntry.account_id == ledger_account.id
        )
    )
    return int(total)


def transaction_exists(idempotency_key: str) -> bool:
    return (
        db.session.scalar(
            select(LedgerTransaction.id).where(LedgerTransaction.idempotency_key == idempotency_key)
        )
        is not None
    )


def post(
    idempotency_key: str,
    kind: str,
    legs: Sequence[Leg],
    *,
    memo: str = "",
    reference: str | None = None,
    challenge_id: int | None = None,
    actor_id: int | None = None,
) -> LedgerTransaction:
    """Add a balanced transaction to the session (flushed, not committed).

    Raises UnbalancedTransaction when the legs do not cancel per currency, and DuplicateTransaction
    when the idempotency key was used before, including by a concurrent request.
    """
    if len(legs) < 2 or any(amount == 0 for _, amount in legs):
        raise UnbalancedTransaction("a transaction needs at least two non-zero legs")
    unbalanced = imbalance((ledger_account.currency, amount) for ledger_account, amount in legs)
    if unbalanced:
        raise UnbalancedTransaction(f"legs do not sum to zero: {unbalanced}")
    if transaction_exists(idempotency_key):
        raise DuplicateTransaction("This money movement was already recorded.")
    transaction = LedgerTransaction(
        idempotency_key=idempotency_key,
        kind=kind,
        memo=memo,
        reference=reference,
        challenge_id=challenge_id,
        created_by_id=actor_id,
        entries=[
            LedgerEntry(account=ledger_account, amount_minor=amount, currency=ledger_account.currency)
            for ledger_account, amount in legs
        ],
    )
    try:
        with db.session.begin_nested():
            db.session.add(transaction)
    except IntegrityError:
        # Only the idempotency key is a duplicate; any other violation is a bug to surface as is.
        if transaction_exists(idempotency_key):
            raise DuplicateTransaction("This money movement was already recorded.") from None
        raise
    return transaction
