"""A contributor's prizes over the API, read from the ledger, each with how far paying it has got.

Awards are the legs of each challenge's award transaction that credit the caller's payable account;
the balance is what those accounts still hold (a payout confirmed paid moves it on). Each award
shows its payout, made by the payout job once the results are published, and the list asks for
payee details when a payout waits for them, as the earnings page does. Finance's side is in
app/api/payouts.py.
"""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from pydantic import Field
from sqlalchemy import select

from app.accounts.models import User
from app.api.pagination import paginate
from app.api.payouts import PayoutStatusName
from app.api.registry import operation
from app.api.schemas import Money, Output, PageQuery, money
from app.api.submissions import ChallengeRefOut
from app.challenges.models import Challenge
from app.core.money import POINTS
from app.extensions import db
from app.ledger import posting as ledger
from app.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction
from app.payouts import queries
from app.payouts.models import Payout, PayoutStatus

TAG = "payouts"
PAYEE_PROMPT = (
    "Complete your payee details to receive your prize: finance needs your legal name, country, payout "
    "method and tax form before it can be sent."
)


class AwardPayoutOut(Output):
    reference: str = Field(description="the reference on the transfer, e.g. PODIUM-P000042")
    status: PayoutStatusName = Field(
        description="awaiting_details (give payee details first), pending (ready for finance), sent "
        "(with finance for payment), paid, or failed (finance will send it again)"
    )
    status_label: str = Field(description="the status as the earnings page words it")
    sent_at: datetime | None
    paid_at: datetime | None
    bank_reference: str | None
    failure_reason: str | None


class AwardOut(Output):
    challenge: ChallengeRefOut | None
    amount: Money
    awarded_at: datetime
    payout: AwardPayoutOut | None = Field(description="null while the payout is being prepared")


class PayeePromptOut(Output):
    message: str
    url: str = Field(description="the page where payee details are given")


class AwardList(Output):
    items: list[AwardOut]
    payable: list[Money]
    payee_details_prompt: PayeePromptOut | None = Field(
        description="present while any of my payouts waits for my payee details"
    )
    next_cursor: str | None


def _payout_out(payout: Payout | None, currency: str) -> AwardPayoutOut | None:
    if payout is None:
        return None
    label = (
        queries.POINTS_CREDITED
        if currency == POINTS and payout.state is PayoutStatus.PAID
        else queries.WINNER_LABELS[payout.state]
    )
    return AwardPayoutOut(
        reference=payout.reference,
        status=payout.status,
        status_label=label,
        sent_at=payout.sent_at,
        paid_at=payout.paid_at,
        bank_reference=payout.bank_reference,
        failure_reason=payout.failure_reason,
    )


def _payee_prompt(user: User) -> PayeePromptOut | None:
    waiting = db.session.scalar(
        select(Payout.id)
        .where(Payout.recipient_id == user.id, Payout.status == PayoutStatus.AWAITING_DETAILS.value)
        .limit(1)
    )
    if waiting is None:
        return None
    return PayeePromptOut(message=PAYEE_PROMPT, url=url_for("payouts.payee_details"))


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
    challenge_ids = {entry.transaction.challenge_id for entry in page.rows} - {None}
    payouts = {
        payout.challenge_id: payout
        for payout in db.session.scalars(
            select(Payout).where(Payout.recipient_id == user.id, Payout.challenge_id.in_(challenge_ids))
        )
    }
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
                payout=_payout_out(payouts.get(challenge.id) if challenge else None, entry.currency),
            )
        )
    return AwardList(
        items=items,
        payable=[money(ledger.balance(account), account.currency) for account in accounts],
        payee_details_prompt=_payee_prompt(user),
        next_cursor=page.next_cursor,
    )
