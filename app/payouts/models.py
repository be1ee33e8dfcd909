"""Payouts: one per award leg (a recipient's prize in a challenge), the batches finance pays them in, and
the payee details an external winner gives before their prize can be sent."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.challenges.models import Challenge
from app.core.timeutil import UTCDateTime, utcnow
from app.extensions import Model
from app.payouts.references import payout_reference


class PayoutStatus(enum.StrEnum):
    """pending → sent → paid, with awaiting_details before pending for an external winner who has not
    given payee details yet, and failed when finance reports that a sent payment did not arrive."""

    PENDING = "pending"
    AWAITING_DETAILS = "awaiting_details"
    SENT = "sent"
    PAID = "paid"
    FAILED = "failed"


# status → the statuses a service may move it to.
PAYOUT_TRANSITIONS: dict[PayoutStatus, frozenset[PayoutStatus]] = {
    PayoutStatus.AWAITING_DETAILS: frozenset({PayoutStatus.PENDING}),
    PayoutStatus.PENDING: frozenset({PayoutStatus.SENT, PayoutStatus.PAID}),  # points settle at once
    PayoutStatus.SENT: frozenset({PayoutStatus.PAID, PayoutStatus.FAILED}),
    PayoutStatus.FAILED: frozenset({PayoutStatus.PENDING, PayoutStatus.AWAITING_DETAILS}),
    PayoutStatus.PAID: frozenset(),
}


class PayoutBatch(Model):
    """One hand-over of payouts to a provider: for the finance batch, the CSV finance downloads and pays."""

    __tablename__ = "payout_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    challenge: Mapped[Challenge] = relationship()
    payouts: Mapped[list[Payout]] = relationship(back_populates="batch", order_by="Payout.id")


class Payout(Model):
    """What one recipient is owed from one challenge's award, and how far paying it has got.

    The unique (challenge, recipient) pair and the unique idempotency key mean a retried or duplicated
    job finds the payout it made instead of making another; the unique bank reference means one bank
    transfer can never confirm two payouts.
    """

    __tablename__ = "payouts"
    __table_args__ = (
        UniqueConstraint("challenge_id", "recipient_id"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"))  # led by the unique pair's index
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    award_transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    provider: Mapped[str | None] = mapped_column(String(32))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payout_batches.id"), index=True)
    bank_reference: Mapped[str | None] = mapped_column(String(120), unique=True)
    paid_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"), unique=True)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    challenge: Mapped[Challenge] = relationship()
    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id])
    batch: Mapped[PayoutBatch | None] = relationship(back_populates="payouts")

    @property
    def state(self) -> PayoutStatus:
        return PayoutStatus(self.status)

    @property
    def reference(self) -> str:
        """What finance writes on the transfer and in the confirmations file."""
        return payout_reference(self.id)

    def __repr__(self) -> str:
        return f"<Payout {self.id} {self.status}>"


class PayoutMethod(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"
    PAYPAL = "paypal"


class TaxForm(enum.StrEnum):
    W9 = "W-9"
    W8BEN = "W-8BEN"
    W8BEN_E = "W-8BEN-E"


class PayeeDetails(Model):
    """Who an external winner's prize is paid to, as finance needs it for the transfer and the tax return.

    Only what is needed to pay and report is kept: the legal name, the country, how they want to be paid
    and which tax form they certified. Account and card numbers never enter Podium: finance asks for the
    account through its bank's secure request once these details are complete.
    """

    __tablename__ = "payee_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    payout_method: Mapped[str] = mapped_column(String(16))
    tax_form: Mapped[str] = mapped_column(String(10))
    certified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
