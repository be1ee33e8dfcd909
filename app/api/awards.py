"""A contributor's prizes over the API, read from the ledger, each with how far paying it has got.

Awards are the legs of each challenge's award transaction that credit the caller's payable account;
the balance is what those accounts still hold (a payout confirmed paid moves it on). Each award
shows its payout, made by the payout job once the results are published, and the list asks for
payee details when a payout waits for them, as the earnings page does. The reads are the earnings
page's own (app/payouts/queries.py over app/ledger/queries.py), paged a leg at a time. Finance's side
is in app/api/payouts.py.
"""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from pydantic import Field

from app.accounts.models import User
from app.api.pagination import paginate
from app.api.payouts import PayoutStatusName
from app.api.registry import operation
from app.api.schemas import Money, Output, PageQuery, money
from app.api.submissions import ChallengeRefOut
from app.ledger import queries as ledger_queries
from app.payouts import queries
from app.payouts.models import Payout

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
    return AwardPayoutOut(
        reference=payout.reference,
        status=payout.status,
        status_label=queries.payout_label(currency, payout),
        sent_at=payout.sent_at,
        paid_at=payout.paid_at,
        bank_reference=payout.bank_reference,
        failure_reason=payout.failure_reason,
    )


def _award_out(earning: queries.Earning) -> AwardOut:
    challenge = earning.challenge
    return AwardOut(
        challenge=ChallengeRefOut(id=challenge.id, slug=challenge.slug, title=challenge.title)
        if challenge
        else None,
        amount=money(earning.amount_minor, earning.currency),
        awarded_at=earning.awarded_at,
        payout=_payout_out(earning.payout, earning.currency),
    )


def _payee_prompt(user: User) -> PayeePromptOut | None:
    if not queries.waits_for_payee_details(user.id):
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
    payable = ledger_queries.payable_balances(user.id)
    page = paginate(
        ledger_queries.award_legs(user.id),
        ledger_queries.AWARD_LEG_ORDER,
        lambda leg: [leg.id],
        list_name="awards",
        cursor=query.cursor,
        limit=query.limit,
        filters={"user": user.id},
    )
    awards = queries.earnings(user.id, [ledger_queries.award_credit(leg) for leg in page.rows])
    return AwardList(
        items=[_award_out(earning) for earning in awards],
        payable=[money(balance, currency) for currency, balance in payable],
        payee_details_prompt=_payee_prompt(user),
        next_cursor=page.next_cursor,
    )
