"""The skills vocabulary: finding and creating entries by name, and the administrator's renames and merges.

People list skills on their profile and challenges ask for them; both name entries of this one vocabulary,
matched case-insensitively by slug, so "python" and "Python " are the same skill.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import delete, func, select

from app.core import audit
from app.core.access import Actor, Role
from app.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.core.numbers import read_id
from app.core.text import without_bidi_controls
from app.core.transactions import atomic
from app.extensions import db
from app.skills.levels import SkillEntryError, SkillLevel, parse_skill_entries
from app.skills.limits import MAX_SKILL_NAME, MAX_SKILLS
from app.skills.models import Skill, UserSkill, challenge_preferred_skills, challenge_skills


def skill_slug(name: str) -> str:
    """The matching form of a skill name: lower case, words joined by single hyphens."""
    return re.sub(r"[^a-z0-9+#.]+", "-", name.strip().lower()).strip("-")


def shown_skill_name(name: str) -> str:
    """A skill's name as others will read it: spaces collapsed, no bidi controls to reorder it."""
    return " ".join(without_bidi_controls(name).split())


def skills_named(names: Iterable[str]) -> list[Skill]:
    """The vocabulary entries for ``names``, creating the ones nobody has used yet."""
    wanted: dict[str, str] = {}
    for name in names:
        slug = skill_slug(name)
        if slug and slug not in wanted:
            if len(slug) > MAX_SKILL_NAME:
                raise ValidationFailed(f"The skill {name.strip()!r} is too long.", field="skills")
            wanted[slug] = shown_skill_name(name)
    if len(wanted) > MAX_SKILLS:
        raise ValidationFailed(f"List at most {MAX_SKILLS} skills.", field="skills")
    existing = {
        skill.slug: skill for skill in db.session.scalars(select(Skill).where(Skill.slug.in_(list(wanted))))
    }
    return [existing.get(slug) or Skill(slug=slug, name=name) for slug, name in wanted.items()]


def skill_levels(entries: Iterable[str]) -> list[tuple[Skill, SkillLevel]]:
    """The vocabulary entries and levels for typed entries such as "Python: expert"."""
    try:
        parsed = parse_skill_entries(entries)
    except SkillEntryError as error:
        raise ValidationFailed(str(error), field="skills") from None
    levels: dict[str, SkillLevel] = {}
    for name, level in parsed:
        levels.setdefault(skill_slug(name), level)  # the first mention of a skill wins
    skills = skills_named(name for name, _ in parsed)
    return [(skill, levels[skill.slug]) for skill in skills]


def _require_admin(actor: Actor) -> None:
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied("Only an administrator manages the skills vocabulary.")


def _get_skill(skill_id: int) -> Skill:
    # An id from a form field may be any integer; one PostgreSQL cannot hold names no skill.
    skill = db.session.get(Skill, skill_id) if read_id(skill_id) is not None else None
    if skill is None:
        raise NotFound("No such skill.")
    return skill


@atomic
def rename_skill(skill_id: int, new_name: str, *, actor: Actor) -> Skill:
    """Give a vocabulary entry a new name; everyone listing it sees the new one. A name that is
    already another entry's is refused: merge the two instead."""
    _require_admin(actor)
    skill = _get_skill(skill_id)
    name = shown_skill_name(new_name)
    slug = skill_slug(name)
    if not slug:
        raise ValidationFailed("Give the skill a name.", field="name")
    if len(name) > MAX_SKILL_NAME or len(slug) > MAX_SKILL_NAME:
        raise ValidationFailed(f"Keep skill names under {MAX_SKILL_NAME} characters.", field="name")
    clash = db.session.scalar(select(Skill).where(Skill.slug == slug, Skill.id != skill.id))
    if clash is not None:
        raise Conflict(f"{clash.name!r} already exists; merge {skill.name!r} into it instead.", field="name")
    previous = skill.name
    skill.name, skill.slug = name, slug
    audit.record("skill.renamed", skill, actor=actor, previous=previous, name=name)
    db.session.commit()
    return skill


@atomic
def merge_skills(duplicate_id: int, into_id: int, *, actor: Actor) -> Skill:
    """Fold a duplicate entry into another: people and challenges that listed the duplicate list the
    kept entry instead (a person listing both keeps their higher level), and the duplicate is gone."""
    _require_admin(actor)
    if duplicate_id == into_id:
        raise ValidationFailed("Choose two different skills to merge.", field="into")
    duplicate, kept = _get_skill(duplicate_id), _get_skill(into_id)
    moved_people = 0
    for row in db.session.scalars(select(UserSkill).where(UserSkill.skill_id == duplicate.id)).all():
        existing = db.session.get(UserSkill, (row.user_id, kept.id))
        if existing is not None:
            existing.level = max(existing.level, row.level)
        else:
            db.session.add(UserSkill(user_id=row.user_id, skill_id=kept.id, level=row.level))
        db.session.delete(row)
        moved_people += 1
    moved_challenges = 0
    for table in (challenge_skills, challenge_preferred_skills):
        holders = set(
            db.session.scalars(select(table.c.challenge_id).where(table.c.skill_id == duplicate.id))
        )
        having = set(db.session.scalars(select(table.c.challenge_id).where(table.c.skill_id == kept.id)))
        for challenge_id in holders - having:
            db.session.execute(table.insert().values(challenge_id=challenge_id, skill_id=kept.id))
        db.session.execute(delete(table).where(table.c.skill_id == duplicate.id))
        moved_challenges += len(holders)
    db.session.flush()
    audit.record(
        "skill.merged",
        kept,
        actor=actor,
        merged=duplicate.name,
        merged_id=duplicate.id,
        people=moved_people,
        challenges=moved_challenges,
    )
    db.session.delete(duplicate)
    db.session.commit()
    db.session.expire_all()  # relationship lists loaded before the merge still name the duplicate
    return kept


def skill_usage() -> list[tuple[Skill, int, int]]:
    """Every vocabulary entry with how many people and how many challenges list it, by name."""
    people = dict(
        db.session.execute(select(UserSkill.skill_id, func.count()).group_by(UserSkill.skill_id)).all()
    )
    challenges: dict[int, int] = {}
    for table in (challenge_skills, challenge_preferred_skills):
        for skill_id, count in db.session.execute(
            select(table.c.skill_id, func.count()).group_by(table.c.skill_id)
        ):
            challenges[skill_id] = challenges.get(skill_id, 0) + count
    skills = db.session.scalars(select(Skill).order_by(func.lower(Skill.name), Skill.id)).all()
    return [(skill, people.get(skill.id, 0), challenges.get(skill.id, 0)) for skill in skills]
