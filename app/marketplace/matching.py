"""Ranking open challenges for one contributor ("For you"), each with the reasons it is shown.

The rule, as a contributor would read it: challenges you may not enter, have already entered, or
that have closed are left out. The rest are ordered by a score out of 100 made of skill fit (60),
whether the challenge's weekly hours fit your stated availability (20) and whether enough time is
left to do it (20). Skill fit is the share of the required skills you have, each counting more the
better you know it; each preferred skill you have adds a bonus, and a missing one costs nothing.
Equal scores go to the challenge closing sooner, then the older one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.timefmt import humanize_delta

SKILL_WEIGHT, AVAILABILITY_WEIGHT, TIME_WEIGHT = 60, 20, 20
PREFERRED_BONUS = 0.1  # each preferred skill you know well adds up to a tenth of the skill fit
# How much a listed skill counts, by level (1 learning, 2 practised, 3 expert), out of 3.
LEVEL_CREDIT = {1: 1, 2: 2, 3: 3}
NO_SKILLS_LISTED_FIT = 0.5  # a challenge that asks for nothing in particular suits anyone a little
UNKNOWN_AVAILABILITY_FIT = 0.5  # neither rewarded nor punished for not saying
COMFORTABLE_TIME = timedelta(days=14)  # at least this long left scores full marks for time


@dataclass(frozen=True)
class SkillRef:
    slug: str
    name: str


@dataclass(frozen=True)
class Contributor:
    """The signed-in contributor as the ranking sees them: skills by slug → level 1 to 3."""

    skill_levels: Mapping[str, int]
    is_internal: bool
    hours_available_per_week: int | None = None


@dataclass(frozen=True)
class Opening:
    """An open challenge as the ranking sees it."""

    challenge_id: int
    title: str
    eligibility: str  # "open", "internal" or "external"
    closes_at: datetime
    required_skills: tuple[SkillRef, ...] = ()
    preferred_skills: tuple[SkillRef, ...] = ()
    expected_hours_per_week: int | None = None
    requires_manager_approval: bool = False
    already_entered: bool = False


@dataclass(frozen=True)
class Recommendation:
    challenge_id: int
    title: str
    score: int  # 0 to 100
    matched: tuple[str, ...]  # names of the contributor's skills this challenge asks for
    reasons: tuple[str, ...]


def may_enter(contributor: Contributor, opening: Opening, now: datetime) -> bool:
    if opening.closes_at <= now or opening.already_entered:
        return False
    if opening.eligibility == "internal":
        return contributor.is_internal
    if opening.eligibility == "external":
        return not contributor.is_internal
    return True


def _names(skills: Iterable[SkillRef]) -> str:
    return ", ".join(skill.name for skill in skills)


def _skill_fit(contributor: Contributor, opening: Opening) -> tuple[float, list[SkillRef], list[str]]:
    """(fit 0..1, the matched skills, reasons)."""
    required = list({skill.slug: skill for skill in opening.required_skills}.values())
    required_slugs = {skill.slug for skill in required}
    # A skill listed as both counts once, as required.
    preferred = [
        skill
        for skill in {skill.slug: skill for skill in opening.preferred_skills}.values()
        if skill.slug not in required_slugs
    ]
    if not required and not preferred:
        return NO_SKILLS_LISTED_FIT, [], ["Asks for no particular skills."]
    levels = contributor.skill_levels
    best = max(LEVEL_CREDIT.values())
    if required:
        fit = sum(LEVEL_CREDIT.get(levels.get(s.slug, 0), 0) for s in required) / (best * len(required))
    else:
        fit = NO_SKILLS_LISTED_FIT
    fit += sum(PREFERRED_BONUS * LEVEL_CREDIT.get(levels.get(s.slug, 0), 0) / best for s in preferred)
    matched = [skill for skill in (*required, *preferred) if skill.slug in levels]
    reasons = []
    if matched:
        reasons.append(f"Matches {len(matched)} of your skills: {_names(matched)}.")
        experts = [skill for skill in matched if levels.get(skill.slug) == max(LEVEL_CREDIT)]
        if experts:
            reasons.append(f"You are an expert in {_names(experts)}.")
    else:
        reasons.append("None of your skills match yet.")
    missing = [skill for skill in required if skill.slug not in levels]
    if missing:
        reasons.append(f"Requires {_names(missing)}, which you have not listed.")
    return min(1.0, fit), matched, reasons


def _hours(hours: int) -> str:
    return f"{hours} hour" if hours == 1 else f"{hours} hours"


def _availability_fit(contributor: Contributor, opening: Opening) -> tuple[float, str | None]:
    expected, available = opening.expected_hours_per_week, contributor.hours_available_per_week
    if expected is None:
        return 1.0, None
    if available is None:
        return (
            UNKNOWN_AVAILABILITY_FIT,
            f"Takes about {_hours(expected)} a week; add your availability to your profile to compare.",
        )
    if available >= expected:
        return 1.0, f"Takes about {_hours(expected)} a week; fits the {_hours(available)} you have."
    return (
        available / expected,
        f"Takes about {_hours(expected)} a week, more than the {_hours(available)} you have.",
    )


def _time_fit(opening: Opening, now: datetime) -> tuple[float, str]:
    left = opening.closes_at - now
    fit = min(1.0, left / COMFORTABLE_TIME)
    return fit, f"Closes {humanize_delta(opening.closes_at, now)}."


def recommend(contributor: Contributor, opening: Opening, now: datetime) -> Recommendation:
    """Score one challenge the contributor may enter, with its reasons (best reason first)."""
    skill_fit, matched, skill_reasons = _skill_fit(contributor, opening)
    availability_fit, availability_reason = _availability_fit(contributor, opening)
    time_fit, time_reason = _time_fit(opening, now)
    score = round(SKILL_WEIGHT * skill_fit + AVAILABILITY_WEIGHT * availability_fit + TIME_WEIGHT * time_fit)
    reasons = [*skill_reasons]
    if availability_reason:
        reasons.append(availability_reason)
    reasons.append(time_reason)
    if opening.requires_manager_approval and contributor.is_internal:
        reasons.append("Needs your manager's approval first.")
    return Recommendation(
        challenge_id=opening.challenge_id,
        title=opening.title,
        score=max(0, min(100, score)),
        matched=tuple(skill.name for skill in matched),
        reasons=tuple(reasons),
    )


def rank(contributor: Contributor, openings: Iterable[Opening], now: datetime) -> list[Recommendation]:
    """The challenges the contributor may enter, best first (see the module's rule)."""
    eligible = [opening for opening in openings if may_enter(contributor, opening, now)]
    scored = [(recommend(contributor, opening, now), opening) for opening in eligible]
    scored.sort(key=lambda pair: (-pair[0].score, pair[1].closes_at, pair[1].challenge_id))
    return [recommendation for recommendation, _ in scored]
