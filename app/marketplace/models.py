"""Manager approvals of the time a challenge takes, and the outcome surveys sent after results."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.challenges.models import Challenge
from app.core.timeutil import UTCDateTime, utcnow
from app.extensions import Model

PENDING, APPROVED, DECLINED = "pending", "approved", "declined"
STATUS_LABELS = {PENDING: "waiting for your manager", APPROVED: "approved", DECLINED: "declined"}


class ApprovalRequest(Model):
    """An internal contributor asking their manager for hours a week to spend on one challenge."""

    __tablename__ = "approval_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    contributor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    hours_per_week: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default=PENDING, index=True)
    request_note: Mapped[str] = mapped_column(Text, default="")
    decision_note: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    challenge: Mapped[Challenge] = relationship()
    contributor: Mapped[User] = relationship(foreign_keys=[contributor_id])
    manager: Mapped[User] = relationship(foreign_keys=[manager_id])

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


class OutcomeSurvey(Model):
    """One participant's short survey about one challenge: sent after results, answered once."""

    __tablename__ = "outcome_surveys"
    __table_args__ = (UniqueConstraint("challenge_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    useful_score: Mapped[int | None] = mapped_column()  # "useful for my career", 1 to 5
    would_do_again: Mapped[bool | None] = mapped_column()
    skills_gained: Mapped[list[str]] = mapped_column(JSON, default=list)

    challenge: Mapped[Challenge] = relationship()
    user: Mapped[User] = relationship()
