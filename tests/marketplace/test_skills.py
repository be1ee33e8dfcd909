"""The skills vocabulary: levels on profiles, required and preferred skills on challenges, renaming
and merging duplicates (people and challenges re-pointed, audited)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.challenges import services as challenges
from app.core.audit import AuditEvent
from app.core.errors import Conflict, PermissionDenied, ValidationFailed
from app.extensions import db as database
from app.skills import services as skills
from app.skills.models import Skill, UserSkill
from tests.factories import make_challenge
from tests.marketplace.support import post_form


def _levels(user):
    database.session.expire_all()
    return {row.skill.name: row.level_label for row in user.skill_levels}


def test_the_profile_saves_skill_levels_availability_and_the_leaderboard_opt_in(db, scene, login):
    browser = login("alice@outside.example")
    response = post_form(
        browser,
        "/account",
        "/account",
        {
            "display_name": "Alice",
            "timezone": "UTC",
            "skills": "Python: expert, SQL, UX research: learning",
            "hours_available_per_week": "6",
            "shows_on_leaderboard": "y",
        },
    )
    assert response.status_code == 302
    assert _levels(scene.alice) == {"Python": "expert", "SQL": "practised", "UX research": "learning"}
    assert (scene.alice.hours_available_per_week, scene.alice.shows_on_leaderboard) == (6, True)
    page = browser.get("/account").get_data(as_text=True)
    assert 'value="Python: expert, SQL, UX research: learning"' in page
    refused = post_form(
        browser, "/account", "/account", {"display_name": "A", "timezone": "UTC", "skills": "Go: guru"}
    )
    assert refused.status_code == 422 and "learning, practised, expert" in refused.get_data(as_text=True)
    assert _levels(scene.alice)["Python"] == "expert"


def test_challenges_list_required_and_preferred_skills_but_not_one_as_both(db, scene):
    from dataclasses import replace

    terms = replace(
        challenges.terms_of(scene.challenge), skills=("Python",), preferred_skills=("SQL", "Stats")
    )
    challenge = challenges.update_challenge(scene.challenge.id, scene.sponsor, terms)
    assert [s.name for s in challenge.preferred_skills] == ["SQL", "Stats"]
    with pytest.raises(ValidationFailed, match="required or as preferred, not both"):
        challenges.update_challenge(
            scene.challenge.id, scene.sponsor, replace(terms, preferred_skills=("python",))
        )


def test_merging_a_duplicate_repoints_people_and_challenges_and_is_audited(db, scene):
    accounts.update_profile(scene.alice, display_name="A", timezone="UTC", skills=["Postgres: expert"])
    accounts.update_profile(
        scene.bob, display_name="B", timezone="UTC", skills=["PostgreSQL: learning", "Postgres"]
    )
    accounts.update_profile(scene.inez, display_name="I", timezone="UTC", skills=["PostgreSQL"])
    required = make_challenge(db, scene.org, title="Tune it", skills=["Postgres"])
    kept = db.session.scalar(select(Skill).where(Skill.slug == "postgresql"))
    duplicate = db.session.scalar(select(Skill).where(Skill.slug == "postgres"))
    with pytest.raises(PermissionDenied):
        skills.merge_skills(duplicate.id, kept.id, actor=scene.alice)
    skills.merge_skills(duplicate.id, kept.id, actor=scene.admin)
    assert db.session.get(Skill, duplicate.id) is None
    assert _levels(scene.alice) == {"PostgreSQL": "expert"}
    assert _levels(scene.bob) == {"PostgreSQL": "practised"}  # listed both: the higher level is kept
    assert _levels(scene.inez) == {"PostgreSQL": "practised"}
    assert [s.slug for s in challenges.get_challenge(required.id).skills] == ["postgresql"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "skill.merged"))
    assert event.data == {"merged": "Postgres", "merged_id": duplicate.id, "people": 2, "challenges": 1}
    assert db.session.scalar(select(UserSkill).where(UserSkill.skill_id == duplicate.id)) is None


def test_renaming_keeps_holders_and_refuses_a_name_already_taken(db, scene, login):
    accounts.update_profile(
        scene.alice, display_name="A", timezone="UTC", skills=["Javascript", "TypeScript"]
    )
    skill = db.session.scalar(select(Skill).where(Skill.slug == "javascript"))
    admin = login("root@host.example")
    response = post_form(
        admin, "/admin/skills", f"/admin/skills/{skill.id}/rename", {f"s{skill.id}-name": "JavaScript"}
    )
    assert response.status_code == 303
    assert "JavaScript" in _levels(scene.alice)
    with pytest.raises(Conflict, match="merge"):
        skills.rename_skill(skill.id, "typescript", actor=scene.admin)
    page = admin.get("/admin/skills").get_data(as_text=True)
    assert "JavaScript" in page and "TypeScript" in page
