"""What makes a challenge's terms acceptable, as plain functions over plain data.

The sponsor states the terms once; these rules say which are wrong and why, all at once, so the form
can show every problem beside its field. Nothing here touches Flask or the database.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from decimal import Decimal

from app.challenges.filetypes import FILE_TYPES
from app.challenges.options import Eligibility, TieRule, UnawardedRule
from app.core.money import MoneyError, normalise_currency

MIN_WINNERS, MAX_WINNERS = 3, 5
MIN_CRITERIA, MAX_CRITERIA = 1, 8
FULL_BASIS_POINTS = 10_000
MAX_FILE_BYTES = 5 * 1024**3
DEFAULT_TIERS: dict[int, tuple[int, ...]] = {
    3: (5000, 3000, 2000),
    4: (4000, 3000, 2000, 1000),
    5: (4000, 2500, 1500, 1200, 800),
}


@dataclass(frozen=True)
class Criterion:
    name: str
    guidance: str = ""
    weight: int = 1
    scale_min: int = 1
    scale_max: int = 10


@dataclass(frozen=True)
class ChallengeTerms:
    """Everything a sponsor states when posting; amounts in minor units, times in UTC."""

    title: str
    summary: str
    brief_md: str
    rules_md: str
    skills: tuple[str, ...]
    eligibility: str
    currency: str
    bounty_minor: int
    tiers_bp: tuple[int, ...]
    tie_rule: str
    unawarded_rule: str
    opens_at: datetime
    closes_at: datetime
    judging_due_at: datetime
    max_file_bytes: int
    allowed_types: tuple[str, ...]
    submissions_per_contributor: int
    versions_per_submission: int
    judges_per_entry: int
    criteria: tuple[Criterion, ...]
    requires_manager_approval: bool = False
    expected_hours_per_week: int | None = None
    judges_conflict_with_own_org: bool = False
    preferred_skills: tuple[str, ...] = ()  # nice to have; ``skills`` are the required ones


# Terms that stop changing once a challenge opens: contributors enter on the strength of them.
FIXED_AFTER_OPENING = (
    "eligibility",
    "currency",
    "bounty_minor",
    "tiers_bp",
    "tie_rule",
    "unawarded_rule",
    "opens_at",
    "closes_at",
    "judging_due_at",
    "max_file_bytes",
    "allowed_types",
    "submissions_per_contributor",
    "versions_per_submission",
    "judges_per_entry",
    "criteria",
    "requires_manager_approval",
    "expected_hours_per_week",
    "judges_conflict_with_own_org",
)
# Terms whose money already sits in escrow: changed only by a top-up, never by an edit.
FIXED_AFTER_FUNDING = ("currency", "bounty_minor")

FIELD_LABELS = {
    "bounty_minor": "bounty",
    "tiers_bp": "prize split",
    "opens_at": "opening time",
    "closes_at": "closing time",
    "judging_due_at": "judging deadline",
    "max_file_bytes": "maximum file size",
    "allowed_types": "allowed file types",
    "criteria": "rubric",
    "skills": "required skills",
    "preferred_skills": "preferred skills",
}


@dataclass(frozen=True)
class Windows:
    """The shortest submission and judging periods a challenge may have."""

    submission: timedelta = timedelta(days=1)
    judging: timedelta = timedelta(days=1)


def _in_range(value: int, low: int, high: int) -> bool:
    return low <= value <= high


def tier_problem(tiers_bp: tuple[int, ...]) -> str | None:
    """Why a prize split is unusable, or None: 3 to 5 places, positive, summing to 100%, best first."""
    if not _in_range(len(tiers_bp), MIN_WINNERS, MAX_WINNERS):
        return f"Choose between {MIN_WINNERS} and {MAX_WINNERS} winners; this split has {len(tiers_bp)}."
    if any(share <= 0 for share in tiers_bp):
        return "Every place needs a share above 0%."
    if sum(tiers_bp) != FULL_BASIS_POINTS:
        return f"The shares must add up to 100%; they add up to {Decimal(sum(tiers_bp)) / 100}%."
    if any(better < worse for better, worse in itertools.pairwise(tiers_bp)):
        return "A better place can't get a smaller share than a worse one."
    return None


def _criteria_problem(criteria: tuple[Criterion, ...]) -> str | None:
    if not _in_range(len(criteria), MIN_CRITERIA, MAX_CRITERIA):
        return f"The rubric needs {MIN_CRITERIA} to {MAX_CRITERIA} criteria; it has {len(criteria)}."
    names = [criterion.name.strip().lower() for criterion in criteria]
    if any(not name for name in names):
        return "Every rubric criterion needs a name."
    if len(set(names)) != len(names):
        return "Two rubric criteria have the same name."
    for criterion in criteria:
        if not _in_range(criterion.weight, 1, 100):
            return f"The weight of {criterion.name!r} must be between 1 and 100."
        if not (0 <= criterion.scale_min < criterion.scale_max <= 100):
            return f"The scale of {criterion.name!r} must run upwards, e.g. from 1 to 10."
    return None


def _time_problems(terms: ChallengeTerms, now: datetime, windows: Windows) -> dict[str, str]:
    times = (terms.opens_at, terms.closes_at, terms.judging_due_at)
    if any(moment.tzinfo is None for moment in times):
        return {"opens_at": "Times must carry a timezone."}
    problems: dict[str, str] = {}
    if terms.closes_at <= terms.opens_at:
        problems["closes_at"] = "The challenge must close after it opens."
    elif terms.closes_at - max(terms.opens_at, now) < windows.submission:
        problems["closes_at"] = f"Leave contributors at least {_duration(windows.submission)} to submit."
    if terms.judging_due_at - terms.closes_at < windows.judging:
        problems["judging_due_at"] = (
            f"Judging must end at least {_duration(windows.judging)} after the challenge closes."
        )
    return problems


def _duration(span: timedelta) -> str:
    if span >= timedelta(days=1) and span % timedelta(days=1) == timedelta(0):
        days = span // timedelta(days=1)
        return f"{days} day" + ("s" if days != 1 else "")
    if span >= timedelta(hours=1) and span % timedelta(hours=1) == timedelta(0):
        hours = span // timedelta(hours=1)
        return f"{hours} hour" + ("s" if hours != 1 else "")
    seconds = int(span.total_seconds())
    return f"{seconds} second" + ("s" if seconds != 1 else "")


def problems(terms: ChallengeTerms, *, now: datetime, windows: Windows = Windows()) -> dict[str, str]:
    """Every problem with the terms, by field name; empty when the terms can be posted."""
    found: dict[str, str] = {}
    if not _in_range(len(terms.title.strip()), 3, 160):
        found["title"] = "Give the challenge a title of 3 to 160 characters."
    if not _in_range(len(terms.summary.strip()), 1, 300):
        found["summary"] = "Summarise the challenge in at most 300 characters."
    if terms.eligibility not in set(Eligibility):
        found["eligibility"] = "Choose who may enter: everyone, internal or external contributors."
    if terms.tie_rule not in set(TieRule):
        found["tie_rule"] = "Choose how ties are placed."
    if terms.unawarded_rule not in set(UnawardedRule):
        found["unawarded_rule"] = "Choose what happens to prize money nobody wins."
    try:
        normalise_currency(terms.currency)
    except MoneyError as error:
        found["currency"] = str(error)
    if terms.bounty_minor <= 0:
        found["bounty"] = "The bounty must be more than zero."
    tier_error = tier_problem(terms.tiers_bp)
    if tier_error:
        found["tiers"] = tier_error
    found.update(_time_problems(terms, now, windows))
    if not _in_range(terms.max_file_bytes, 1024, MAX_FILE_BYTES):
        found["max_file_mb"] = "Allow files between 1 KB and 5 GB."
    unknown_types = set(terms.allowed_types) - set(FILE_TYPES)
    if not terms.allowed_types or unknown_types:
        found["allowed_types"] = "Choose at least one of the listed file types."
    if not _in_range(terms.submissions_per_contributor, 1, 20):
        found["submissions_per_contributor"] = "Allow 1 to 20 submissions per contributor."
    if not _in_range(terms.versions_per_submission, 1, 100):
        found["versions_per_submission"] = "Allow 1 to 100 versions per submission."
    if not _in_range(terms.judges_per_entry, 1, 10):
        found["judges_per_entry"] = "Ask for 1 to 10 judges per entry."
    both = _skill_keys(terms.skills) & _skill_keys(terms.preferred_skills)
    if both:
        found["preferred_skills"] = f"List {', '.join(sorted(both))} as required or as preferred, not both."
    criteria_error = _criteria_problem(terms.criteria)
    if criteria_error:
        found["criteria"] = criteria_error
    if terms.requires_manager_approval and not (
        terms.expected_hours_per_week and _in_range(terms.expected_hours_per_week, 1, 40)
    ):
        found["expected_hours_per_week"] = "Say how many hours a week (1 to 40) a manager is agreeing to."
    return found


def _skill_keys(names: tuple[str, ...]) -> set[str]:
    return {" ".join(name.lower().split()) for name in names if name.strip()}


def changed_fields(before: ChallengeTerms, after: ChallengeTerms) -> list[str]:
    """Names of the terms that differ between two versions."""
    return [
        field.name
        for field in fields(ChallengeTerms)
        if getattr(before, field.name) != getattr(after, field.name)
    ]


def describe_fields(names: list[str]) -> str:
    return ", ".join(FIELD_LABELS.get(name, name.replace("_", " ")) for name in names)
