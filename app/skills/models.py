"""The skills vocabulary, the levels people hold skills at, and the tables linking skills to challenges."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model, db
from app.skills.levels import SkillLevel

challenge_skills = Table(
    "challenge_skills",
    db.Model.metadata,
    Column("challenge_id", ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True),
)
# Skills that help but are not needed: "For you" counts them for less than the required ones above.
challenge_preferred_skills = Table(
    "challenge_preferred_skills",
    db.Model.metadata,
    Column("challenge_id", ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True),
)


class Skill(Model):
    """One entry of the skills vocabulary, matched case-insensitively by its slug."""

    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(80), unique=True)


class UserSkill(Model):
    """A skill a user lists, with how well they know it (1 learning, 2 practised, 3 expert)."""

    __tablename__ = "user_skills"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[int] = mapped_column(
        default=int(SkillLevel.PRACTISED), server_default=str(int(SkillLevel.PRACTISED))
    )

    skill: Mapped[Skill] = relationship(lazy="joined")

    @property
    def level_label(self) -> str:
        return SkillLevel(self.level).label
