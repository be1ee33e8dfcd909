"""Finance over the API: payouts and their batches, the batch file, marking payouts paid or failed, and
importing the bank's confirmations; through the same services as the finance pages, for admins only.

Batches are not made here, nor on the pages: the payout job hands each challenge's sendable payouts
to the finance batch provider, which makes the batch. Finance downloads it, pays it from the bank,
and confirms each payout with the bank's reference.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import IO, Literal

from flask import Response, url_for
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts import services as accounts
from app.accounts.models import User
from app.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from app.api.registry import FileAnswer, FileBody, operation
from app.api.schemas import FileRow, Id, Input, Money, MoneyIn, Output, PageQuery, Query, money, text
from app.api.submissions import ChallengeRefOut
from app.core.access import Role
from app.core.errors import PermissionDenied, PodiumError
from app.payouts import queries
from app.payouts import services as payout_services
from app.payouts.batch_csv import batch_filename
from app.payouts.confirmations import MAX_BANK_REFERENCE, REQUIRED_COLUMNS
from app.payouts.models import Payout, PayoutBatch, PayoutStatus

TAG = "payouts"
CSV = "text/csv"
PayoutStatusName = Literal[tuple(status.value for status in PayoutStatus)]  # type: ignore[valid-type]
PayeeDetailsName = Literal["complete", "missing", "not_needed"]
# queries.payee_status speaks to people reading the batch file; the API names the same three states.
PAYEE_STATES: dict[str, PayeeDetailsName] = {
    "complete": "complete",
    "missing": "missing",
    "not needed (internal)": "not_needed",
}
# The services name the money's parts as the finance form does; the body nests them under "amount".
BODY_FIELDS = {"amount": "amount.amount_minor", "currency": "amount.currency"}


# --- shapes -----------------------------------------------------------------------------------------


class RecipientOut(Output):
    id: int
    display_name: str
    email: str


class PayoutOut(Output):
    id: int
    reference: str = Field(description="what finance writes on the transfer, e.g. PODIUM-P000042")
    challenge: ChallengeRefOut
    recipient: RecipientOut
    amount: Money
    status: PayoutStatusName
    payee_details: PayeeDetailsName = Field(
        description="complete; missing (an external winner of cash has not given them); not_needed "
        "(an employee, paid through payroll)"
    )
    provider: str | None
    batch_id: int | None
    bank_reference: str | None
    failure_reason: str | None
    created_at: datetime
    sent_at: datetime | None
    paid_at: datetime | None


class PayoutList(Output):
    items: list[PayoutOut]
    next_cursor: str | None


class PayoutListQuery(Query):
    status: list[PayoutStatusName] | None = Field(default=None, description="any of these; default all")
    challenge_id: Id | None = Field(default=None, description="only this challenge's payouts")
    batch_id: Id | None = Field(default=None, description="only this batch's payouts")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="items per page")
    cursor: text(500) | None = Field(default=None, description="next_cursor from the previous page")


class BatchOut(Output):
    id: int
    provider: str
    challenge: ChallengeRefOut
    created_at: datetime
    payout_count: int
    paid_count: int
    totals: list[Money] = Field(description="what the batch pays, per currency")
    file_url: str = Field(description="where to download the batch as CSV")


class BatchList(Output):
    items: list[BatchOut]
    next_cursor: str | None


class MarkPaidIn(Input):
    """What the bank paid: it must match the payout exactly, or nothing changes."""

    amount: MoneyIn
    bank_reference: text(MAX_BANK_REFERENCE, 1) = Field(description="the bank's reference for the transfer")


class MarkFailedIn(Input):
    reason: text(1000, 1) = Field(description="the winner reads it")


class ConfirmationsOut(Output):
    applied: int
    rows: list[FileRow]


# --- conversions ------------------------------------------------------------------------------------


def _challenge_ref(challenge) -> ChallengeRefOut:
    return ChallengeRefOut(id=challenge.id, slug=challenge.slug, title=challenge.title)


def payouts_out(payouts: list[Payout]) -> list[PayoutOut]:
    names = queries.legal_names(payout.recipient_id for payout in payouts)
    internal_domains = accounts.host_domains() if payouts else set()
    return [
        PayoutOut(
            id=payout.id,
            reference=payout.reference,
            challenge=_challenge_ref(payout.challenge),
            recipient=RecipientOut.model_validate(payout.recipient),
            amount=money(payout.amount_minor, payout.currency),
            status=payout.status,
            payee_details=PAYEE_STATES[
                queries.payee_status(
                    payout.recipient.email,
                    names.get(payout.recipient_id),
                    internal_domains,
                    email_verified=payout.recipient.is_email_verified,
                )
            ],
            provider=payout.provider,
            batch_id=payout.batch_id,
            bank_reference=payout.bank_reference,
            failure_reason=payout.failure_reason,
            created_at=payout.created_at,
            sent_at=payout.sent_at,
            paid_at=payout.paid_at,
        )
        for payout in payouts
    ]


def batches_out(batches: list[PayoutBatch]) -> list[BatchOut]:
    return [
        BatchOut(
            id=summary.batch.id,
            provider=summary.batch.provider,
            challenge=_challenge_ref(summary.batch.challenge),
            created_at=summary.batch.created_at,
            payout_count=summary.count,
            paid_count=summary.paid,
            totals=[money(amount, currency) for currency, amount in sorted(summary.totals.items())],
            file_url=url_for("api.download_payout_batch", batch_id=summary.batch.id),
        )
        for summary in queries.batch_summaries(batches)
    ]


def finance_only(user: User) -> User:
    """Admins handle payouts; anyone else is refused before anything is looked up, so the answer is
    the same whether or not the payout or batch exists."""
    if not user.has_role(Role.ADMIN):
        raise PermissionDenied("Only an administrator handles payouts and their batches.")
    return user


def _payout(payout_id: int) -> PayoutOut:
    return payouts_out([payout_services.get_payout(payout_id)])[0]


# --- operations -------------------------------------------------------------------------------------

READS = (400, 401, 403, 422)
WRITES = (400, 401, 403, 404, 409, 413, 415, 422)


@operation(
    "GET",
    "/payouts",
    summary="List payouts, by status, challenge or batch",
    tag=TAG,
    query=PayoutListQuery,
    response=PayoutList,
    errors=READS,
)
def list_payouts(query: PayoutListQuery, user: User) -> PayoutList:
    """Admins only. Oldest first, so the payouts waiting longest come first; filter by any of the
    statuses (pending, awaiting_details, sent, paid, failed), a challenge or a batch."""
    finance_only(user)
    statuses = tuple(PayoutStatus(name) for name in dict.fromkeys(query.status or ()))
    page = paginate(
        queries.payout_list(statuses, challenge_id=query.challenge_id, batch_id=query.batch_id),
        ((Payout.id, False),),
        lambda payout: [payout.id],
        list_name="payouts",
        cursor=query.cursor,
        limit=query.limit,
        filters={
            "status": sorted(status.value for status in statuses),
            "challenge": query.challenge_id,
            "batch": query.batch_id,
        },
    )
    return PayoutList(items=payouts_out(page.rows), next_cursor=page.next_cursor)


@operation(
    "GET",
    "/payouts/<id:payout_id>",
    summary="Get a payout",
    tag=TAG,
    response=PayoutOut,
    errors=(401, 403, 404),
)
def get_payout(payout_id: int, user: User) -> PayoutOut:
    """Admins only."""
    finance_only(user)
    return _payout(payout_id)


@operation(
    "POST",
    "/payouts/<id:payout_id>/paid",
    summary="Mark a sent payout paid, with the bank's reference",
    tag=TAG,
    body=MarkPaidIn,
    response=PayoutOut,
    errors=WRITES,
)
def mark_payout_paid(payout_id: int, body: MarkPaidIn, user: User) -> PayoutOut:
    """Admins only. The amount and currency must be the payout's (422 otherwise); a payout is paid
    once (409) and a bank reference confirms one payout (409). The money then leaves the winner's
    payable account and the winner is told."""
    finance_only(user)
    try:
        payout_services.mark_paid(
            payout_id, body.bank_reference, body.amount.amount_minor, body.amount.currency, actor=user
        )
    except PodiumError as error:
        error.field = BODY_FIELDS.get(error.field or "", error.field)
        raise
    return _payout(payout_id)


@operation(
    "POST",
    "/payouts/<id:payout_id>/failed",
    summary="Report that a sent payout's payment failed",
    tag=TAG,
    body=MarkFailedIn,
    response=PayoutOut,
    errors=WRITES,
)
def mark_payout_failed(payout_id: int, body: MarkFailedIn, user: User) -> PayoutOut:
    """Admins only; 409 unless the payout was sent. The money stays payable and the winner is told."""
    finance_only(user)
    payout_services.mark_failed(payout_id, body.reason, actor=user)
    return _payout(payout_id)


@operation(
    "POST",
    "/payouts/<id:payout_id>/resend",
    summary="Send a failed payout again",
    tag=TAG,
    response=PayoutOut,
    errors=(400, 401, 403, 404, 409),
)
def resend_payout(payout_id: int, user: User) -> PayoutOut:
    """Admins only; 409 unless the payout failed. It goes back to pending (or waits for payee
    details) and the payout job puts it in a new batch."""
    finance_only(user)
    payout_services.resend_payout(payout_id, actor=user)
    return _payout(payout_id)


@operation(
    "POST",
    "/payout-confirmations",
    summary="Import the bank's confirmations file",
    tag=TAG,
    file_body=FileBody(
        CSV,
        f"CSV (UTF-8) with the columns {', '.join(REQUIRED_COLUMNS)} (others are ignored), one row "
        "per paid payout.",
    ),
    response=ConfirmationsOut,
    errors=(400, 401, 403, 413, 415, 422),
)
def import_confirmations(file: IO[bytes], user: User) -> ConfirmationsOut:
    """Admins only. All or nothing: if any row cannot be read or applied, nothing is applied and the
    422 (code confirmations_rejected) lists every row in ``rows`` with its problem."""
    finance_only(user)
    lines = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    report = payout_services.import_confirmations(lines, actor=user)
    return ConfirmationsOut(
        applied=len(report),
        rows=[FileRow(line=row.line, reference=row.reference, problem=row.problem) for row in report],
    )


@operation(
    "GET",
    "/payout-batches",
    summary="List payout batches",
    tag=TAG,
    query=PageQuery,
    response=BatchList,
    errors=READS,
)
def list_payout_batches(query: PageQuery, user: User) -> BatchList:
    """Admins only. Newest first, each with its payouts counted, paid so far, and totals."""
    finance_only(user)
    page = paginate(
        select(PayoutBatch).options(joinedload(PayoutBatch.challenge)).order_by(PayoutBatch.id.desc()),
        ((PayoutBatch.id, True),),
        lambda batch: [batch.id],
        list_name="payout-batches",
        cursor=query.cursor,
        limit=query.limit,
    )
    return BatchList(items=batches_out(page.rows), next_cursor=page.next_cursor)


@operation(
    "GET",
    "/payout-batches/<id:batch_id>",
    summary="Get a payout batch",
    tag=TAG,
    response=BatchOut,
    errors=(401, 403, 404),
)
def get_payout_batch(batch_id: int, user: User) -> BatchOut:
    """Admins only. Its payouts: ``GET /payouts?batch_id=``."""
    finance_only(user)
    batch = payout_services.get_batch(batch_id)
    return batches_out([batch])[0]


@operation(
    "GET",
    "/payout-batches/<id:batch_id>/csv",
    summary="Download a payout batch as CSV",
    tag=TAG,
    file_answer=FileAnswer(
        CSV,
        "The batch file finance pays from, streamed: recipient, email, amount, currency, reference, "
        "payee_details; one line per payout.",
    ),
    errors=(401, 403, 404),
)
def download_payout_batch(batch_id: int, user: User) -> Response:
    """Admins only. The same file as the finance page's download."""
    finance_only(user)
    return Response(
        queries.batch_file(batch_id),
        mimetype=CSV,
        headers={"Content-Disposition": f'attachment; filename="{batch_filename(batch_id)}"'},
    )
