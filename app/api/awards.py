"""A contributor's prizes over the API, read from the ledger: read-only.

Awards are the legs of each challenge's award transaction that credit the caller's payable account;
the balance is what those accounts still hold (payouts, when made, move it on). Finance's batch
export and marking payouts paid belong to the payouts work and are not part of this API yet.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.accounts.models import User
from app.api.pagination import paginate
from app.api.registry import operation
from app.api.schemas import Money, Output, PageQuery, money
from app.api.submissions import ChallengeRefOut
from app.challenges.models import Challenge
from app.extensions import db
from app.payouts import ledger
from app.payouts.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction

TAG = "payouts"


class AwardOut(Output):
    challenge: ChallengeRefOut | None
    amount: Money
    awarded_at: datetime


class AwardList(Output):
    items: list[AwardOut]
    payable: list[Money]
    next_cursor: str | None


@operation(
    "GET",
    "/me/awards",
    summary="List my prizes and what is still payable to me",
    tag=TAG,
    query=PageQuery,
    response=AwardList,
    errors=(400, 401, 422),
)
def my_awards(query: PageQuery, user: User) -> AwardList:
    """Newest first; ``payable`` holds, per currency, what has been awarded but not yet paid out."""
    accounts = db.session.scalars(
        select(LedgerAccount)
        .where(LedgerAccount.kind == AccountKind.PAYABLE.value, LedgerAccount.user_id == user.id)
        .order_by(LedgerAccount.currency)
    ).all()
    statement = (
        select(LedgerEntry)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            LedgerEntry.account_id.in_([account.id for account in accounts]),
            LedgerTransaction.kind == "award",
            LedgerEntry.amount_minor > 0,
        )
        .order_by(LedgerEntry.id.desc())
    )
    page = paginate(
        statement,
        ((LedgerEntry.id, True),),
        lambda entry: [entry.id],
        list_name="awards",
        cursor=query.cursor,
        limit=query.limit,
        filters={"user": user.id},
    )
    items = []
    for entry in page.rows:
        challenge = (
            db.session.get(Challenge, entry.transaction.challenge_id)
            if entry.transaction.challenge_id
            else None
        )
        items.append(
            AwardOut(
                challenge=ChallengeRefOut(id=challenge.id, slug=challenge.slug, title=challenge.title)
                if challenge
                else None,
                amount=money(entry.amount_minor, entry.currency),
                awarded_at=entry.transaction.created_at,
            )
        )
    return AwardList(
        items=items,
        payable=[money(ledger.balance(account), account.currency) for account in accounts],
        next_cursor=page.next_cursor,
    )
