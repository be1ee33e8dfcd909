"""Challenges, their rubric criteria and skills."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Organization, User
from app.challenges.lifecycle import LABELS, Status
from app.challenges.options import Eligibility, TieRule, UnawardedRule
from app.core.timeutil import UTCDateTime, utcnow
from app.extensions import Model
from app.skills.models import Skill, challenge_preferred_skills, challenge_skills


class Challenge(Model):
    """A contest with a funded bounty; its status moves only through the lifecycle services."""

    __tablename__ = "challenges"
    # The list's three orders, each read in index order (backwards for the descending ones), so a page
    # of the list, or the API's page after a cursor, reads only its own rows (queries.SORT_KEYS).
    __table_args__ = (
        Index("ix_challenges_closes_at_id", "closes_at", "id"),
        Index("ix_challenges_bounty_minor", "bounty_minor"),
        Index("ix_challenges_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(String(300))
    brief_md: Mapped[str] = mapped_column(Text, default="")
    rules_md: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=Status.DRAFT.value, index=True)
    sponsor_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    eligibility: Mapped[str] = mapped_column(String(10), default=Eligibility.OPEN.value)
    currency: Mapped[str] = mapped_column(String(3))
    bounty_minor: Mapped[int] = mapped_column(BigInteger)
    tiers_bp: Mapped[list[int]] = mapped_column(JSON)
    tie_rule: Mapped[str] = mapped_column(String(24), default=TieRule.SHARE.value)
    unawarded_rule: Mapped[str] = mapped_column(String(10), default=UnawardedRule.RETURN.value)

    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    judging_due_at: Mapped[datetime] = mapped_column(UTCDateTime)

    max_file_bytes: Mapped[int] = mapped_column(BigInteger)
    allowed_types: Mapped[list[str]] = mapped_column(JSON)
    submissions_per_contributor: Mapped[int] = mapped_column(default=1)
    versions_per_submission: Mapped[int] = mapped_column(default=10)
    judges_per_entry: Mapped[int] = mapped_column(default=3)
    requires_manager_approval: Mapped[bool] = mapped_column(default=False)
    # Judges never review entries from members of their own organisation when this is set.
    judges_conflict_with_own_org: Mapped[bool] = mapped_column(default=False, server_default="0")
    expected_hours_per_week: Mapped[int | None] = mapped_column()

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sponsor_org: Mapped[Organization] = relationship()
    created_by: Mapped[User | None] = relationship()
    # The required skills; ``preferred_skills`` are nice to have.
    skills: Mapped[list[Skill]] = relationship(secondary=challenge_skills, order_by=Skill.name)
    preferred_skills: Mapped[list[Skill]] = relationship(
        secondary=challenge_preferred_skills, order_by=Skill.name
    )
    criteria: Mapped[list[RubricCriterion]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan", order_by="RubricCriterion.position"
    )

    @property
    def state(self) -> Status:
        return Status(self.status)

    @property
    def status_label(self) -> str:
        return LABELS[self.state]

    @property
    def is_points(self) -> bool:
        return self.currency == "PTS"

    @property
    def winners(self) -> int:
        return len(self.tiers_bp)

    def __repr__(self) -> str:
        return f"<Challenge {self.slug} {self.status}>"


class RubricCriterion(Model):
    """One thing judges score, with guidance, a relative weight and a scale."""

    __tablename__ = "rubric_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(120))
    guidance: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int] = mapped_column(default=1)
    scale_min: Mapped[int] = mapped_column(default=1)
    scale_max: Mapped[int] = mapped_column(default=10)

    challenge: Mapped[Challenge] = relationship(back_populates="criteria")
