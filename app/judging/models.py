"""Judging panels, conflicts of interest, assignments and reviews."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.challenges.models import Challenge
from app.core.timeutil import UTCDateTime, utcnow
from app.extensions import Model
from app.submissions.models import Submission

INVITED, ACCEPTED, DECLINED = "invited", "accepted", "declined"
ACTIVE, RECUSED, REMOVED = "active", "recused", "removed"
RELEASED = "released"  # stepped off by a declaration made during judging (the match, or a decoy)
DRAFT, SUBMITTED = "draft", "submitted"


class PanelMember(Model):
    """A judge invited to a challenge's panel, and their answer and maximum load."""

    __tablename__ = "panel_members"
    __table_args__ = (UniqueConstraint("challenge_id", "judge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=INVITED)
    max_load: Mapped[int | None] = mapped_column()
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    challenge: Mapped[Challenge] = relationship()
    judge: Mapped[User] = relationship(foreign_keys=[judge_id])


class DeclaredConflict(Model):
    """Someone a judge must never review: a person (by e-mail) or an organisation (by name).

    Declared once by the judge and matched against contributors privately: the judge is never told
    which entry matched. One made while the judge holds entries takes effect (``effective_at``) at the
    replacement run that releases the matches among decoys; until then it changes nothing they see.
    """

    __tablename__ = "declared_conflicts"
    __table_args__ = (
        UniqueConstraint("judge_id", "email_key"),
        UniqueConstraint("judge_id", "organization_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email_key: Mapped[str | None] = mapped_column(String(320))
    organization_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NamedJudgeConflict(Model):
    """A panel judge whom a contributor named as conflicted when submitting."""

    __tablename__ = "named_judge_conflicts"
    __table_args__ = (UniqueConstraint("submission_id", "judge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Assignment(Model):
    """A judge's duty to review one entry; a recusal ends it and triggers a replacement."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("judge_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=ACTIVE, index=True)
    recusal_reason: Mapped[str | None] = mapped_column(Text)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    submission: Mapped[Submission] = relationship()
    judge: Mapped[User] = relationship()
    review: Mapped[Review | None] = relationship(back_populates="assignment", uselist=False)


class Review(Model):
    """A judge's scores for one entry, per rubric criterion, with comments; drafts until submitted."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), unique=True)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # criterion id → score
    comment_for_sponsor: Mapped[str] = mapped_column(Text, default="")
    comment_for_contributor: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default=DRAFT, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assignment: Mapped[Assignment] = relationship(back_populates="review")


class EntryResult(Model):
    """One entry's place in the proposed ranking, with the evidence shown beside it."""

    __tablename__ = "entry_results"
    __table_args__ = (UniqueConstraint("challenge_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    rank: Mapped[int] = mapped_column()
    place: Mapped[int] = mapped_column()  # after the challenge's tie rule; equal places share prizes
    calibrated_score: Mapped[float] = mapped_column()
    raw_mean: Mapped[float] = mapped_column()
    p_prize: Mapped[float] = mapped_column()
    p_first: Mapped[float] = mapped_column()
    sd: Mapped[float] = mapped_column()
    tie_group: Mapped[int] = mapped_column()
    review_count: Mapped[int] = mapped_column()
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship()


class JudgeCalibration(Model):
    """How a judge scored on this challenge, as the calibration estimated it: for the sponsor's chart."""

    __tablename__ = "judge_calibrations"
    __table_args__ = (UniqueConstraint("challenge_id", "judge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    leniency: Mapped[float] = mapped_column()
    scale: Mapped[float] = mapped_column()
    noise: Mapped[float] = mapped_column()
    relative_weight: Mapped[float] = mapped_column()
    review_count: Mapped[int] = mapped_column()
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    judge: Mapped[User] = relationship()
