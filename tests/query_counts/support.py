"""Builders for the count tests: the few objects the services need, then rows inserted in bulk.

Rows are inserted with one ``INSERT ... VALUES`` per table, shaped as the services would leave them,
so a scene grows to 500 rows in well under a second. Each builder adds rows until there are ``n``
and returns the ids it made, so ``grow(5)`` then ``grow(500)`` adds 5 then 495.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select

from app.extensions import db

_numbers = itertools.count(1)


def unique() -> int:
    """A number no other row of this test run has used (for slugs, e-mails, keys)."""
    return next(_numbers)


def bulk(model: Any, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` of ``model`` in one statement and commit; their ids, in order."""
    if not rows:
        return []
    ids = list(db.session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows))
    db.session.commit()
    return ids


def bulk_table(table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows into a plain table (an association table) and commit."""
    if rows:
        db.session.execute(insert(table), list(rows))
        db.session.commit()


def count_of(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def more(model: Any, n: int, *where: Any) -> range:
    """The positions of the rows still missing for ``n`` of ``model`` matching ``where``."""
    have = count_of(model, *where)
    return range(have, max(have, n))


# --- people -----------------------------------------------------------------------------------------


def users(n: int, *, domain: str = "crowd.example", **columns: Any) -> list[int]:
    """``n`` confirmed contributors (no password anyone can use), inserted in bulk."""
    from app.accounts.models import User, UserRole
    from app.core.access import Role
    from app.core.timeutil import utcnow

    now = utcnow()
    rows = []
    for _ in range(n):
        number = unique()
        email = f"person{number}@{domain}"
        rows.append(
            {
                "email": email,
                "email_key": email,
                "display_name": f"Person {number}",
                "password_hash": "!",
                "email_verified_at": now,
                **columns,
            }
        )
    ids = bulk(User, rows)
    bulk(UserRole, [{"user_id": user_id, "role": Role.CONTRIBUTOR.value} for user_id in ids])
    return ids


# --- challenges -------------------------------------------------------------------------------------


def skills(names: Iterable[str]) -> list[int]:
    """The ids of these skills, made when missing."""
    from app.skills.models import Skill
    from app.skills.services import skill_slug

    wanted = {skill_slug(name): name for name in names}
    known = dict(db.session.execute(select(Skill.slug, Skill.id).where(Skill.slug.in_(wanted))).all())
    bulk(Skill, [{"name": name, "slug": slug} for slug, name in wanted.items() if slug not in known])
    found = dict(db.session.execute(select(Skill.slug, Skill.id).where(Skill.slug.in_(wanted))).all())
    return [found[slug] for slug in wanted]


def challenges(
    sponsor_org_id: int,
    n: int,
    *,
    status: str = "open",
    skill_names: Sequence[str] = ("Python",),
    criteria: int = 1,
    **columns: Any,
) -> list[int]:
    """Challenges of one sponsor, each with ``skill_names`` as required and preferred skills and
    ``criteria`` rubric criteria, until the organisation has ``n``; the ids of those added."""
    from app.challenges.models import Challenge, RubricCriterion
    from app.core.timeutil import utcnow
    from app.skills.models import challenge_preferred_skills, challenge_skills

    now = utcnow()
    rows = []
    for position in more(Challenge, n, Challenge.sponsor_org_id == sponsor_org_id):
        number = unique()
        rows.append(
            {
                "slug": f"counted-{number}",
                "title": f"Counted challenge {number}",
                "summary": "A challenge made in bulk for a count test.",
                "status": status,
                "sponsor_org_id": sponsor_org_id,
                "currency": "EUR",
                "bounty_minor": 1_000_000 + position,
                "tiers_bp": [5000, 3000, 2000],
                "opens_at": now - timedelta(days=1),
                "closes_at": now + timedelta(days=7, minutes=position),
                "judging_due_at": now + timedelta(days=21),
                "max_file_bytes": 10 * 1024 * 1024,
                "allowed_types": ["application/pdf"],
                **columns,
            }
        )
    ids = bulk(Challenge, rows)
    skill_ids = skills(skill_names)
    pairs = [{"challenge_id": cid, "skill_id": sid} for cid in ids for sid in skill_ids]
    bulk_table(challenge_skills, pairs)
    bulk_table(challenge_preferred_skills, pairs)
    bulk(
        RubricCriterion,
        [
            {"challenge_id": cid, "position": position, "name": f"Criterion {position + 1}", "weight": 1}
            for cid in ids
            for position in range(criteria)
        ],
    )
    return ids


def widen_challenges(challenge_ids: Sequence[int], skill_names: Sequence[str], criteria: int) -> None:
    """Give each challenge more embedded rows: these skills too, and ``criteria`` criteria in all."""
    from app.challenges.models import RubricCriterion
    from app.skills.models import challenge_preferred_skills, challenge_skills

    skill_ids = skills(skill_names)
    for table in (challenge_skills, challenge_preferred_skills):
        have = {tuple(row) for row in db.session.execute(select(table.c.challenge_id, table.c.skill_id))}
        bulk_table(
            table,
            [
                {"challenge_id": cid, "skill_id": sid}
                for cid in challenge_ids
                for sid in skill_ids
                if (cid, sid) not in have
            ],
        )
    counts = dict(
        db.session.execute(
            select(RubricCriterion.challenge_id, func.count())
            .where(RubricCriterion.challenge_id.in_(challenge_ids))
            .group_by(RubricCriterion.challenge_id)
        ).all()
    )
    bulk(
        RubricCriterion,
        [
            {"challenge_id": cid, "position": position, "name": f"Criterion {position + 1}", "weight": 1}
            for cid in challenge_ids
            for position in range(counts.get(cid, 0), criteria)
        ],
    )


# --- submissions ------------------------------------------------------------------------------------


def submissions(challenge_id: int, contributor_ids: Sequence[int], *, versions: int = 1) -> list[int]:
    """One active submission per contributor in the challenge, each with ``versions`` versions."""
    from app.core.timeutil import utcnow
    from app.submissions.models import Submission, SubmissionVersion

    now = utcnow()
    rows = []
    for contributor_id in contributor_ids:
        number = unique()
        rows.append(
            {
                "challenge_id": challenge_id,
                "contributor_id": contributor_id,
                "alias": f"C{number:06d}",
                "title": f"Entry {number}",
                "description_md": "",
            }
        )
    ids = bulk(Submission, rows)
    bulk(
        SubmissionVersion,
        [
            {
                "submission_id": sid,
                "number": number,
                "storage_key": f"counted/{sid}/{number}/{unique()}",
                "size_bytes": 1024,
                "sha256": "0" * 64,
                "content_type": "application/pdf",
                "original_filename": "entry.pdf",
                "upload_started_at": now,
            }
            for sid in ids
            for number in range(1, versions + 1)
        ],
    )
    return ids


def challenge_ids(sponsor_org_id: int) -> list[int]:
    from app.challenges.models import Challenge

    return list(db.session.scalars(select(Challenge.id).where(Challenge.sponsor_org_id == sponsor_org_id)))
