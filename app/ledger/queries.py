"""Read-only views of the ledger that pages and the API share: recent sponsor credits, and what awards
credited a person and what they are still owed.

Every figure is a sum of entries (there is no stored balance); nothing here changes state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager

from app.accounts.models import Organization, User
from app.core.money import format_money
from app.extensions import db
from app.ledger import posting
from app.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction

CREDIT_KINDS = ("deposit", "points_grant")
RECENT_CREDITS_LIMIT = 50


@dataclass(frozen=True)
class CreditRow:
    """One recorded deposit or points grant, as the finance table shows it."""

    kind: str
    organization: str
    amount: str
    reference: str
    recorded_by: str
    recorded_at: datetime


def sponsor_balances(organization_ids: list[int]) -> dict[int, dict[str, int]]:
    """What each organisation can still spend, per currency in code order (money in escrow is not
    included), summed in one query: finance's pages list every sponsor's balances."""
    rows = db.session.execute(
        select(LedgerAccount.organization_id, LedgerAccount.currency, func.sum(LedgerEntry.amount_minor))
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .where(
            LedgerAccount.kind == AccountKind.SPONSOR.value,
            LedgerAccount.organization_id.in_(organization_ids),
        )
        .group_by(LedgerAccount.organization_id, LedgerAccount.currency)
        .order_by(LedgerAccount.organization_id, LedgerAccount.currency)
    ).all()
    balances: dict[int | None, dict[str, int]] = {organization_id: {} for organization_id in organization_ids}
    for organization_id, currency, amount in rows:
        balances[organization_id][currency] = int(amount)
    return {organization_id: balances[organization_id] for organization_id in organization_ids}


def recent_credits(*, limit: int = RECENT_CREDITS_LIMIT) -> list[CreditRow]:
    """Deposits and points grants to sponsors, newest first, for finance's record of what came in."""
    rows = db.session.execute(
        select(
            LedgerTransaction.kind,
            LedgerTransaction.reference,
            LedgerTransaction.created_at,
            LedgerEntry.amount_minor,
            LedgerEntry.currency,
            Organization.name,
            User.display_name,
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(Organization, Organization.id == LedgerAccount.organization_id)
        .outerjoin(User, User.id == LedgerTransaction.created_by_id)
        .where(LedgerTransaction.kind.in_(CREDIT_KINDS), LedgerAccount.kind == AccountKind.SPONSOR.value)
        .order_by(LedgerTransaction.created_at.desc(), LedgerTransaction.id.desc())
        .limit(limit)
    )
    return [
        CreditRow(
            kind="points grant" if kind == "points_grant" else "deposit",
            organization=organization,
            amount=format_money(amount_minor, currency),
            reference=reference or "",
            recorded_by=recorded_by or "(deleted user)",
            recorded_at=created_at,
        )
        for kind, reference, created_at, amount_minor, currency, organization, recorded_by in rows
    ]


# --- a winner's awards ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AwardCredit:
    """What one award transaction credited to a person's payable account, in one currency."""

    challenge_id: int | None
    amount_minor: int
    currency: str
    awarded_at: datetime


def award_credits_of(user_id: int) -> list[AwardCredit]:
    """Every award credited to the person, newest first: one row per award transaction and currency."""
    rows = db.session.execute(
        select(
            LedgerTransaction.challenge_id,
            LedgerTransaction.created_at,
            LedgerEntry.currency,
            func.sum(LedgerEntry.amount_minor),
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerTransaction.kind == "award",
            LedgerAccount.kind == AccountKind.PAYABLE.value,
            LedgerAccount.user_id == user_id,
        )
        .group_by(
            LedgerTransaction.id,
            LedgerTransaction.challenge_id,
            LedgerTransaction.created_at,
            LedgerEntry.currency,
        )
        .order_by(LedgerTransaction.created_at.desc(), LedgerTransaction.id.desc())
    ).all()
    return [AwardCredit(row.challenge_id, int(row[3]), row.currency, row.created_at) for row in rows]


# The order of ``award_legs``, as (column, descending) for the API's cursors: newest leg first.
AWARD_LEG_ORDER = ((LedgerEntry.id, True),)


def award_legs(user_id: int) -> Select[LedgerEntry]:
    """The award entries crediting the person's payable accounts, newest first, each with its
    transaction loaded: the API pages through these one leg at a time (see ``award_credit``)."""
    return (
        select(LedgerEntry)
        .join(LedgerEntry.transaction)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerAccount.kind == AccountKind.PAYABLE.value,
            LedgerAccount.user_id == user_id,
            LedgerTransaction.kind == "award",
            LedgerEntry.amount_minor > 0,
        )
        .options(contains_eager(LedgerEntry.transaction))
        .order_by(*(column.desc() if descending else column for column, descending in AWARD_LEG_ORDER))
    )


def award_credit(leg: LedgerEntry) -> AwardCredit:
    """One of ``award_legs`` as the award it records."""
    return AwardCredit(
        leg.transaction.challenge_id, leg.amount_minor, leg.currency, leg.transaction.created_at
    )


def payable_balances(user_id: int) -> list[tuple[str, int]]:
    """What has been awarded to the person but not yet paid out, per currency, by currency code."""
    accounts = db.session.scalars(
        select(LedgerAccount)
        .where(LedgerAccount.kind == AccountKind.PAYABLE.value, LedgerAccount.user_id == user_id)
        .order_by(LedgerAccount.currency)
    ).all()
    return [(account.currency, posting.balance(account)) for account in accounts]
