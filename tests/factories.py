"""Rows inserted directly for tests that need a challenge in some state without walking the lifecycle."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.accounts.models import Organization
from app.challenges.models import Challenge, RubricCriterion
from app.core.timeutil import utcnow
from app.skills.models import Skill
from app.skills.services import skill_slug

_numbers = itertools.count(1)


def make_sponsor_org(db: Any, name: str = "Sponsor Co") -> Organization:
    """A sponsoring organisation, committed."""
    organization = Organization(name=name, is_sponsor=True)
    db.session.add(organization)
    db.session.commit()
    return organization


def _skills(db: Any, names: list[str]) -> list[Skill]:
    found = []
    for name in names:
        slug = skill_slug(name)
        skill = db.session.scalar(select(Skill).where(Skill.slug == slug)) or Skill(name=name, slug=slug)
        found.append(skill)
    return found


def _criteria(entries: list[RubricCriterion | dict[str, Any]]) -> list[RubricCriterion]:
    criteria = []
    for position, entry in enumerate(entries):
        criterion = entry if isinstance(entry, RubricCriterion) else RubricCriterion(**entry)
        criterion.position = position
        criteria.append(criterion)
    return criteria


def make_challenge(db: Any, sponsor_org: Organization, **overrides: Any) -> Challenge:
    """An open €10,000.00 challenge split 50/30/20, committed; any column can be overridden.

    ``skills`` and ``preferred_skills`` take skill names (reusing vocabulary entries that exist) and ``criteria`` takes
    RubricCriterion rows or dicts of their fields, positioned in the order given.
    """
    number = next(_numbers)
    now = utcnow()
    title = overrides.pop("title", f"Challenge {number}")
    skills = overrides.pop("skills", [])
    preferred_skills = overrides.pop("preferred_skills", [])
    criteria = overrides.pop(
        "criteria",
        [
            {"name": "Accuracy", "guidance": "Does it solve the stated problem?", "weight": 2},
            {"name": "Clarity", "guidance": "Could someone else pick it up?", "weight": 1},
        ],
    )
    fields: dict[str, Any] = {
        "slug": f"{re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')}-{number}",
        "title": title,
        "summary": f"Summary of {title.lower()}.",
        "brief_md": "",
        "rules_md": "",
        "status": "open",
        "sponsor_org_id": sponsor_org.id,
        "eligibility": "open",
        "currency": "EUR",
        "bounty_minor": 1_000_000,
        "tiers_bp": [5000, 3000, 2000],
        "opens_at": now - timedelta(days=1),
        "closes_at": now + timedelta(days=7),
        "judging_due_at": now + timedelta(days=14),
        "max_file_bytes": 50 * 1024 * 1024,
        "allowed_types": ["application/pdf"],
        **overrides,
    }
    challenge = Challenge(**fields)
    challenge.skills = _skills(db, skills)
    challenge.preferred_skills = _skills(db, preferred_skills)
    challenge.criteria = _criteria(criteria)
    db.session.add(challenge)
    db.session.commit()
    return challenge
