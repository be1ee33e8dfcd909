"""Read-only views of prizes and payouts: a winner's earnings and points, a challenge's money, finance's lists.

Every figure is read from the ledger or the payout rows; nothing here changes state.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Select, case, func, select
from sqlalchemy.orm import joinedload

from app.accounts import services as accounts
from app.accounts.models import User
from app.challenges.models import Challenge
from app.core.errors import NotFound
from app.core.money import POINTS, format_plain
from app.extensions import db
from app.ledger import queries as ledger_queries
from app.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction
from app.ledger.queries import AwardCredit
from app.payouts.batch_csv import BatchLine, batch_csv
from app.payouts.models import PayeeDetails, Payout, PayoutBatch, PayoutStatus
from app.payouts.references import payout_reference
from app.payouts.statements import Credit

# What a winner reads for each state of their prize.
WINNER_LABELS: dict[PayoutStatus | None, str] = {
    None: "Awarded; your payout is being prepared",
    PayoutStatus.AWAITING_DETAILS: "Waiting for your payee details",
    PayoutStatus.PENDING: "Ready to go to finance",
    PayoutStatus.SENT: "With finance for payment",
    PayoutStatus.PAID: "Paid",
    PayoutStatus.FAILED: "Payment failed",
}
POINTS_CREDITED = "Credited to your points balance"


def payout_label(currency: str, payout: Payout | None) -> str:
    """How far paying a prize has got, as the winner reads it (points are credited, not paid)."""
    if currency == POINTS and payout is not None and payout.state is PayoutStatus.PAID:
        return POINTS_CREDITED
    return WINNER_LABELS[payout.state if payout else None]


@dataclass(frozen=True)
class Earning:
    """One prize a person won, and how far paying it has got."""

    challenge: Challenge | None  # None only for an award without a challenge, which no service posts
    amount_minor: int
    currency: str
    awarded_at: datetime
    payout: Payout | None

    @property
    def status(self) -> str:
        return self.payout.status if self.payout else "awarded"

    @property
    def status_label(self) -> str:
        return payout_label(self.currency, self.payout)


def earnings_of(user: User) -> list[Earning]:
    """Every award credited to ``user``, newest first, with its payout when one exists."""
    return earnings(user.id, ledger_queries.award_credits_of(user.id))


def earnings(user_id: int, credits: list[AwardCredit]) -> list[Earning]:
    """These awards to the person, in their order, each with its challenge and the payout made for it.

    The earnings page passes all of a person's awards, the API one page of them; both read the
    challenges and payouts in one query each.
    """
    challenge_ids = {credit.challenge_id for credit in credits} - {None}
    challenges: dict[int | None, Challenge] = {
        challenge.id: challenge
        for challenge in db.session.scalars(select(Challenge).where(Challenge.id.in_(challenge_ids)))
    }
    payouts: dict[int | None, Payout] = {
        payout.challenge_id: payout
        for payout in db.session.scalars(
            select(Payout).where(Payout.recipient_id == user_id, Payout.challenge_id.in_(challenge_ids))
        )
    }
    return [
        Earning(
            challenges.get(credit.challenge_id),
            credit.amount_minor,
            credit.currency,
            credit.awarded_at,
            payouts.get(credit.challenge_id),
        )
        for credit in credits
    ]


def waits_for_payee_details(user_id: int) -> bool:
    """Whether any of the person's payouts waits for their payee details before it can be sent."""
    waiting = db.session.scalar(
        select(Payout.id)
        .where(Payout.recipient_id == user_id, Payout.status == PayoutStatus.AWAITING_DETAILS.value)
        .limit(1)
    )
    return waiting is not None


def points_balance(user_id: int) -> int:
    """Points a person has been credited: everything on their points accounts, payable or paid out."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerAccount.user_id == user_id, LedgerAccount.currency == POINTS)
    )
    return int(total)


def points_credits(user_id: int) -> list[Credit]:
    """Each award of points to a person, for the quarterly statement."""
    rows = db.session.execute(
        select(LedgerTransaction.created_at, LedgerEntry.amount_minor, Challenge.title)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(Challenge, Challenge.id == LedgerTransaction.challenge_id)
        .where(
            LedgerTransaction.kind == "award",
            LedgerAccount.kind == AccountKind.PAYABLE.value,
            LedgerAccount.currency == POINTS,
            LedgerAccount.user_id == user_id,
        )
        .order_by(LedgerTransaction.created_at, LedgerEntry.id)
    )
    return [Credit(created_at, int(amount), title) for created_at, amount, title in rows]


@dataclass(frozen=True)
class MoneySummary:
    """A challenge's money as its sponsor follows it, in the challenge's currency."""

    currency: str
    funded: int  # put into escrow
    awarded: int  # moved from escrow to winners
    returned: int  # given back to the sponsor (unawarded places, cancellation)
    paid: int  # confirmed paid to winners (points: credited)
    in_escrow: int

    @property
    def remaining(self) -> int:
        """Awarded but not paid yet."""
        return self.awarded - self.paid


def money_summary(challenge: Challenge) -> MoneySummary:
    credited = func.sum(case((LedgerEntry.amount_minor > 0, LedgerEntry.amount_minor), else_=0))
    rows = db.session.execute(
        select(LedgerTransaction.kind, LedgerAccount.kind, credited, func.sum(LedgerEntry.amount_minor))
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerTransaction.challenge_id == challenge.id, LedgerAccount.currency == challenge.currency)
        .group_by(LedgerTransaction.kind, LedgerAccount.kind)
    ).all()
    credits = {(kind, account): int(amount) for kind, account, amount, _ in rows}
    nets = {(kind, account): int(net) for kind, account, _, net in rows}

    def total(table: dict[tuple[str, str], int], account: AccountKind, kind: str | None = None) -> int:
        return sum(v for (k, a), v in table.items() if a == account.value and (kind is None or k == kind))

    return MoneySummary(
        currency=challenge.currency,
        funded=total(credits, AccountKind.ESCROW),
        awarded=total(credits, AccountKind.PAYABLE, "award"),
        returned=total(credits, AccountKind.SPONSOR),
        paid=total(credits, AccountKind.PAID_OUT, "payout"),
        in_escrow=total(nets, AccountKind.ESCROW),
    )


# --- finance ------------------------------------------------------------------------------------------------


def payouts_in(statuses: tuple[PayoutStatus, ...], *, limit: int = 200) -> list[Payout]:
    """Payouts in these states, oldest first (the ones waiting longest first)."""
    return list(
        db.session.scalars(
            select(Payout)
            .options(joinedload(Payout.recipient), joinedload(Payout.challenge))
            .where(Payout.status.in_([status.value for status in statuses]))
            .order_by(Payout.created_at, Payout.id)
            .limit(limit)
        )
    )


def recently_paid(*, limit: int = 50) -> list[Payout]:
    return list(
        db.session.scalars(
            select(Payout)
            .options(joinedload(Payout.recipient), joinedload(Payout.challenge))
            .where(Payout.status == PayoutStatus.PAID.value)
            .order_by(Payout.paid_at.desc(), Payout.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class BatchSummary:
    batch: PayoutBatch
    count: int
    paid: int
    totals: dict[str, int]


def batches(*, limit: int = 100) -> list[BatchSummary]:
    recent = list(
        db.session.scalars(
            select(PayoutBatch)
            .options(joinedload(PayoutBatch.challenge))
            .order_by(PayoutBatch.created_at.desc(), PayoutBatch.id.desc())
            .limit(limit)
        )
    )
    return batch_summaries(recent)


def batch_summaries(recent: list[PayoutBatch]) -> list[BatchSummary]:
    """Each batch with how many payouts it holds, how many are paid, and its total per currency."""
    rows = db.session.execute(
        select(
            Payout.batch_id,
            Payout.currency,
            func.count(),
            func.sum(Payout.amount_minor),
            func.sum(case((Payout.status == PayoutStatus.PAID.value, 1), else_=0)),
        )
        .where(Payout.batch_id.in_([batch.id for batch in recent]))
        .group_by(Payout.batch_id, Payout.currency)
    ).all()
    counts: dict[int, int] = {}
    paid: dict[int, int] = {}
    totals: dict[int, dict[str, int]] = {}
    for batch_id, currency, count, amount, paid_count in rows:
        counts[batch_id] = counts.get(batch_id, 0) + count
        paid[batch_id] = paid.get(batch_id, 0) + int(paid_count)
        totals.setdefault(batch_id, {})[currency] = int(amount)
    return [
        BatchSummary(batch, counts.get(batch.id, 0), paid.get(batch.id, 0), totals.get(batch.id, {}))
        for batch in recent
    ]


def payout_list(
    statuses: tuple[PayoutStatus, ...] = (), *, challenge_id: int | None = None, batch_id: int | None = None
) -> Select:
    """Payouts, oldest first, in any of ``statuses`` (all when empty), of one challenge or batch if given."""
    statement = select(Payout).options(joinedload(Payout.recipient), joinedload(Payout.challenge))
    if statuses:
        statement = statement.where(Payout.status.in_([status.value for status in statuses]))
    if challenge_id is not None:
        statement = statement.where(Payout.challenge_id == challenge_id)
    if batch_id is not None:
        statement = statement.where(Payout.batch_id == batch_id)
    return statement.order_by(Payout.id)


def legal_names(user_ids: Iterable[int]) -> dict[int, str]:
    """The legal name each of these people gave in their payee details, for those who gave any."""
    ids = set(user_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(PayeeDetails.user_id, PayeeDetails.legal_name).where(PayeeDetails.user_id.in_(ids))
    )
    return {user_id: legal_name for user_id, legal_name in rows}


def payee_status(
    email: str, legal_name: str | None, internal_domains: set[str], *, email_verified: bool
) -> str:
    """What finance reads in the batch: employees (a confirmed address at the host's domains, as
    ``accounts.is_internal`` says) are paid through payroll and need no payee details."""
    if legal_name is not None:
        return "complete"
    internal = email_verified and email.rsplit("@", 1)[-1].lower() in internal_domains
    return "not needed (internal)" if internal else "missing"


def batch_lines(connection: Connection, batch_id: int, internal_domains: set[str]) -> Iterator[BatchLine]:
    """The batch's payouts as finance pays them, streamed over ``connection``.

    A plain connection, not the request's session: the CSV is written after the view has returned.
    """
    rows = connection.execute(
        select(
            Payout.id,
            Payout.amount_minor,
            Payout.currency,
            User.display_name,
            User.email,
            User.email_verified_at,
            PayeeDetails.legal_name,
        )
        .join(User, User.id == Payout.recipient_id)
        .outerjoin(PayeeDetails, PayeeDetails.user_id == Payout.recipient_id)
        .where(Payout.batch_id == batch_id)
        .order_by(Payout.id)
        .execution_options(yield_per=500)
    )
    for payout_id, amount_minor, currency, display_name, email, verified_at, legal_name in rows:
        yield BatchLine(
            recipient=legal_name or display_name,
            email=email,
            amount=format_plain(amount_minor, currency),
            currency=currency,
            reference=payout_reference(payout_id),
            payee_details=payee_status(
                email, legal_name, internal_domains, email_verified=verified_at is not None
            ),
        )


def batch_file(batch_id: int) -> Iterator[str]:
    """The batch's CSV, a line at a time; 404 now if there is no such batch.

    The lines are written after the view has returned, so over a connection of their own rather than
    the request's session; the host's domains are read now, while the request's context is there.
    """
    if db.session.get(PayoutBatch, batch_id) is None:
        raise NotFound("No such payout batch.")
    engine, internal_domains = db.engine, accounts.host_domains()

    def lines() -> Iterator[str]:
        with engine.connect() as connection:
            yield from batch_csv(batch_lines(connection, batch_id, internal_domains))

    return lines()
