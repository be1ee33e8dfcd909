"""The double-entry ledger: accounts, transactions and their entries. Balances are sums of entries."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import UTCDateTime, utcnow
from app.extensions import Model


class AccountKind(enum.StrEnum):
    """Where money sits. ``external`` is the world outside: deposits come from it, payouts go to it."""

    EXTERNAL = "external"
    SPONSOR = "sponsor"
    ESCROW = "escrow"
    PAYABLE = "payable"
    PAID_OUT = "paid_out"


class LedgerAccount(Model):
    """One account per kind, owner and currency; it has no balance column on purpose."""

    __tablename__ = "ledger_accounts"
    # One account per kind, currency and owner. The owner columns alone can't carry that rule: the
    # ones an account does not use are NULL, and NULLs never collide in a unique constraint.
    __table_args__ = (UniqueConstraint("kind", "currency", "owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenges.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    owner: Mapped[str] = mapped_column(String(40))  # "organization:5", "challenge:7", "user:3" or "platform"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<LedgerAccount {self.kind} {self.currency} #{self.id}>"


class LedgerTransaction(Model):
    """A set of entries that moves money; its idempotency key makes a retry a no-op, never a repeat."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    memo: Mapped[str] = mapped_column(Text, default="")
    reference: Mapped[str | None] = mapped_column(String(200))
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("challenges.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    entries: Mapped[list[LedgerEntry]] = relationship(
        back_populates="transaction", cascade="all, delete-orphan", order_by="LedgerEntry.id"
    )


class LedgerEntry(Model):
    """One leg of a transaction: a signed amount in minor units on one account."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")
    account: Mapped[LedgerAccount] = relationship()
