"""The "For you" ranking core: who is left out, the order, and the reasons given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.marketplace.matching import Contributor, Opening, SkillRef, rank, recommend

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
PY, SQL, STATS, DESIGN = (
    SkillRef("python", "Python"),
    SkillRef("sql", "SQL"),
    SkillRef("statistics", "Statistics"),
    SkillRef("design", "Design"),
)


def _opening(challenge_id: int, **changes) -> Opening:
    fields = {
        "challenge_id": challenge_id,
        "title": f"C{challenge_id}",
        "eligibility": "open",
        "closes_at": NOW + timedelta(days=20),
    }
    return Opening(**{**fields, **changes})


def test_the_reason_names_every_matching_skill_and_counts_them():
    me = Contributor({"python": 3, "sql": 2, "statistics": 1}, is_internal=True)
    [only] = rank(me, [_opening(1, required_skills=(PY, SQL), preferred_skills=(STATS, DESIGN))], NOW)
    assert only.reasons[0] == "Matches 3 of your skills: Python, SQL, Statistics."
    assert "You are an expert in Python." in only.reasons
    assert only.matched == ("Python", "SQL", "Statistics")


def test_missing_required_skills_are_named():
    me = Contributor({"python": 2}, is_internal=False)
    [only] = rank(me, [_opening(1, required_skills=(PY, DESIGN))], NOW)
    assert "Requires Design, which you have not listed." in only.reasons


def test_a_better_skill_match_ranks_first():
    me = Contributor({"python": 2, "sql": 2}, is_internal=False)
    ranked = rank(me, [_opening(1, required_skills=(DESIGN,)), _opening(2, required_skills=(PY, SQL))], NOW)
    assert [r.challenge_id for r in ranked] == [2, 1]
    assert ranked[1].reasons[0] == "None of your skills match yet."


def test_required_skills_count_more_than_preferred_ones():
    me = Contributor({"python": 2}, is_internal=False)
    required = recommend(me, _opening(1, required_skills=(PY,), preferred_skills=(SQL,)), NOW)
    preferred = recommend(me, _opening(2, required_skills=(SQL,), preferred_skills=(PY,)), NOW)
    assert required.score > preferred.score


def test_ineligible_entered_and_closed_challenges_are_left_out():
    outsider = Contributor({}, is_internal=False)
    employee = Contributor({}, is_internal=True)
    openings = [
        _opening(1, eligibility="internal"),
        _opening(2, eligibility="external"),
        _opening(3, already_entered=True),
        _opening(4, closes_at=NOW),
        _opening(5),
    ]
    assert [r.challenge_id for r in rank(outsider, openings, NOW)] == [2, 5]
    assert [r.challenge_id for r in rank(employee, openings, NOW)] == [1, 5]


def test_availability_is_compared_with_the_hours_a_challenge_takes():
    busy = Contributor({}, is_internal=True, hours_available_per_week=1)
    free = Contributor({}, is_internal=True, hours_available_per_week=10)
    silent = Contributor({}, is_internal=True)
    opening = _opening(1, expected_hours_per_week=4, requires_manager_approval=True)
    assert (
        "Takes about 4 hours a week, more than the 1 hour you have." in recommend(busy, opening, NOW).reasons
    )
    assert "Takes about 4 hours a week; fits the 10 hours you have." in recommend(free, opening, NOW).reasons
    assert (
        recommend(free, opening, NOW).score
        > recommend(silent, opening, NOW).score
        > recommend(busy, opening, NOW).score
    )
    assert "Needs your manager's approval first." in recommend(busy, opening, NOW).reasons


def test_time_left_is_a_reason_and_too_little_time_costs_points():
    me = Contributor({}, is_internal=False)
    soon = recommend(me, _opening(1, closes_at=NOW + timedelta(hours=5)), NOW)
    later = recommend(me, _opening(2, closes_at=NOW + timedelta(days=30)), NOW)
    assert "Closes in 5 hours." in soon.reasons
    assert later.score > soon.score


def test_equal_scores_go_to_the_challenge_closing_sooner():
    me = Contributor({}, is_internal=False)
    a = _opening(1, closes_at=NOW + timedelta(days=40))
    b = _opening(2, closes_at=NOW + timedelta(days=30))
    assert [r.challenge_id for r in rank(me, [a, b], NOW)] == [2, 1]


SKILLS = [PY, SQL, STATS, DESIGN]
skill_sets = st.lists(st.sampled_from(SKILLS), unique=True, max_size=4).map(tuple)
openings = st.builds(
    Opening,
    challenge_id=st.integers(1, 10_000),
    title=st.just("T"),
    eligibility=st.sampled_from(["open", "internal", "external"]),
    closes_at=st.integers(-48, 24 * 60).map(lambda hours: NOW + timedelta(hours=hours)),
    required_skills=skill_sets,
    preferred_skills=skill_sets,
    expected_hours_per_week=st.none() | st.integers(1, 40),
    requires_manager_approval=st.booleans(),
    already_entered=st.booleans(),
)
contributors = st.builds(
    Contributor,
    skill_levels=st.dictionaries(st.sampled_from([s.slug for s in SKILLS]), st.integers(1, 3)),
    is_internal=st.booleans(),
    hours_available_per_week=st.none() | st.integers(0, 60),
)


@given(contributors, st.lists(openings, max_size=12, unique_by=lambda o: o.challenge_id))
def test_ranking_is_sorted_bounded_and_explained(contributor, candidates):
    ranked = rank(contributor, candidates, NOW)
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    assert all(0 <= r.score <= 100 and r.reasons for r in ranked)
    assert list(rank(contributor, list(reversed(candidates)), NOW)) == ranked  # input order is irrelevant
    by_id = {o.challenge_id: o for o in candidates}
    for recommendation in ranked:
        opening = by_id[recommendation.challenge_id]
        listed = {s.slug for s in (*opening.required_skills, *opening.preferred_skills)}
        assert len(recommendation.matched) == len(listed & set(contributor.skill_levels))
        assert not opening.already_entered and opening.closes_at > NOW


@given(contributors, openings, st.sampled_from(SKILLS), st.integers(1, 3))
def test_listing_another_skill_never_lowers_a_score(contributor, opening, skill, level):
    if skill.slug in contributor.skill_levels:
        return
    better = Contributor(
        {**contributor.skill_levels, skill.slug: level},
        contributor.is_internal,
        contributor.hours_available_per_week,
    )
    assert recommend(better, opening, NOW).score >= recommend(contributor, opening, NOW).score


def test_a_preferred_skill_you_have_adds_a_bonus_and_one_you_lack_costs_nothing():
    me = Contributor({"python": 2, "statistics": 1}, is_internal=False)
    plain = recommend(me, _opening(1, required_skills=(PY,)), NOW)
    with_known = recommend(me, _opening(2, required_skills=(PY,), preferred_skills=(STATS,)), NOW)
    with_unknown = recommend(me, _opening(3, required_skills=(PY,), preferred_skills=(DESIGN,)), NOW)
    assert with_known.score > plain.score == with_unknown.score
