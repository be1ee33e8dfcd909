"""What makes a challenge's terms acceptable, as plain functions over plain data.

The sponsor states the terms once; these rules say which are wrong and why, all at once, so the form
can show every problem beside its field. Nothing here touches Flask or the database.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from decimal import Decimal

from app.challenges.terms import (
    ALLOWED_TYPES,
    BOUNTY,
    BRIEF,
    CRITERIA,
    CRITERION_GUIDANCE,
    CRITERION_NAME,
    CRITERION_WEIGHT,
    ELIGIBILITY,
    EXPECTED_HOURS,
    JUDGES,
    MAX_FILE,
    RULES,
    SCALE_MAX,
    SCALE_MIN,
    SUBMISSIONS,
    SUMMARY,
    TERM_NAMED,
    TERMS,
    TIE_RULE,
    TIERS,
    TITLE,
    UNAWARDED_RULE,
    VERSIONS,
    Criterion,
    Lock,
    Term,
)
from app.core.money import MoneyError, normalise_currency
from app.core.splitting import FULL_BASIS_POINTS

DEFAULT_TIERS: dict[int, tuple[int, ...]] = {
    3: (5000, 3000, 2000),
    4: (4000, 3000, 2000, 1000),
    5: (4000, 2500, 1500, 1200, 800),
}


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
FIXED_AFTER_OPENING = tuple(term.name for term in TERMS if term.locks is not Lock.NEVER)
# Terms whose money already sits in escrow: changed only by a top-up, never by an edit.
FIXED_AFTER_FUNDING = tuple(term.name for term in TERMS if term.locks is Lock.FUNDING)


@dataclass(frozen=True)
class Windows:
    """The shortest submission and judging periods a challenge may have."""

    submission: timedelta = timedelta(days=1)
    judging: timedelta = timedelta(days=1)


def _length(term: Term, text: str) -> bool:
    """Whether the text's length is within the term's bounds."""
    return term.length is not None and term.length_limits.hold(len(text))


def _value(term: Term, number: int) -> bool:
    return term.value is not None and term.value_limits.hold(number)


def _count(term: Term, items: tuple[object, ...]) -> bool:
    return term.items is not None and term.item_limits.hold(len(items))


def tier_problem(tiers_bp: tuple[int, ...]) -> str | None:
    """Why a prize split is unusable, or None: 3 to 5 places, positive, summing to 100%, best first."""
    if not _count(TIERS, tiers_bp):
        places = TIERS.item_limits
        return f"Choose between {places.least} and {places.most} winners; this split has {len(tiers_bp)}."
    if any(share <= 0 for share in tiers_bp):
        return "Every place needs a share above 0%."
    if sum(tiers_bp) != FULL_BASIS_POINTS:
        return f"The shares must add up to 100%; they add up to {Decimal(sum(tiers_bp)) / 100}%."
    if any(better < worse for better, worse in itertools.pairwise(tiers_bp)):
        return "A better place can't get a smaller share than a worse one."
    return None


def bounty_problem(bounty_minor: int) -> str | None:
    """Why a bounty can't be offered, or None. Its least is one minor unit: more than zero."""
    if bounty_minor < BOUNTY.value_limits.least:
        return "The bounty must be more than zero."
    if not _value(BOUNTY, bounty_minor):
        return "That amount is too large."
    return None


def _criterion_problem(criterion: Criterion) -> str | None:
    if not _length(CRITERION_NAME, criterion.name.strip()):
        names = CRITERION_NAME.length_limits
        return f"Give each rubric criterion a name of {names.least} to {names.most} characters."
    if not _length(CRITERION_GUIDANCE, criterion.guidance.strip()):
        return (
            f"Keep the guidance for {criterion.name!r} to {CRITERION_GUIDANCE.length_limits.most} characters."
        )
    if not _value(CRITERION_WEIGHT, criterion.weight):
        weights = CRITERION_WEIGHT.value_limits
        return f"The weight of {criterion.name!r} must be between {weights.least} and {weights.most}."
    in_scale = _value(SCALE_MIN, criterion.scale_min) and _value(SCALE_MAX, criterion.scale_max)
    if not (in_scale and criterion.scale_min < criterion.scale_max):
        return f"The scale of {criterion.name!r} must run upwards, e.g. from 1 to 10."
    return None


def _criteria_problem(criteria: tuple[Criterion, ...]) -> str | None:
    if not _count(CRITERIA, criteria):
        rows = CRITERIA.item_limits
        return f"The rubric needs {rows.least} to {rows.most} criteria; it has {len(criteria)}."
    names = [criterion.name.strip().lower() for criterion in criteria]
    if any(not name for name in names):
        return "Every rubric criterion needs a name."
    if len(set(names)) != len(names):
        return "Two rubric criteria have the same name."
    for criterion in criteria:
        problem = _criterion_problem(criterion)
        if problem:
            return problem
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


def _size(size_bytes: int) -> str:
    """A whole binary size as sponsors read it in the limits: 1024 → "1 KB", 5 GiB → "5 GB"."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if size_bytes < 1024 or size_bytes % 1024:
            return f"{size_bytes} {unit}"
        size_bytes //= 1024
    return f"{size_bytes} TB"


def problems(terms: ChallengeTerms, *, now: datetime, windows: Windows = Windows()) -> dict[str, str]:
    """Every problem with the terms, by field name; empty when the terms can be posted."""
    found: dict[str, str] = {}
    if not _length(TITLE, terms.title.strip()):
        found["title"] = (
            f"Give the challenge a title of {TITLE.length_limits.least} to {TITLE.length_limits.most} characters."
        )
    if not _length(SUMMARY, terms.summary.strip()):
        found["summary"] = f"Summarise the challenge in at most {SUMMARY.length_limits.most} characters."
    for markdown in (BRIEF, RULES):
        if not _length(markdown, getattr(terms, markdown.name)):
            found[markdown.form_field] = (
                f"Keep the {markdown.in_words} to {markdown.length_limits.most:,} characters."
            )
    if terms.eligibility not in ELIGIBILITY.choices:
        found["eligibility"] = "Choose who may enter: everyone, internal or external contributors."
    if terms.tie_rule not in TIE_RULE.choices:
        found["tie_rule"] = "Choose how ties are placed."
    if terms.unawarded_rule not in UNAWARDED_RULE.choices:
        found["unawarded_rule"] = "Choose what happens to prize money nobody wins."
    try:
        normalise_currency(terms.currency)
    except MoneyError as error:
        found["currency"] = str(error)
    bounty_error = bounty_problem(terms.bounty_minor)
    if bounty_error:
        found[BOUNTY.form_field] = bounty_error
    tier_error = tier_problem(terms.tiers_bp)
    if tier_error:
        found[TIERS.form_field] = tier_error
    found.update(_time_problems(terms, now, windows))
    if not _value(MAX_FILE, terms.max_file_bytes):
        sizes = MAX_FILE.value_limits
        found[MAX_FILE.form_field] = f"Allow files between {_size(sizes.least)} and {_size(sizes.most)}."
    unknown_types = set(terms.allowed_types) - set(ALLOWED_TYPES.choices)
    if not _count(ALLOWED_TYPES, terms.allowed_types) or unknown_types:
        found["allowed_types"] = "Choose at least one of the listed file types."
    for limit, message in (
        (SUBMISSIONS, "Allow {least} to {most} submissions per contributor."),
        (VERSIONS, "Allow {least} to {most} versions per submission."),
        (JUDGES, "Ask for {least} to {most} judges per entry."),
    ):
        if not _value(limit, getattr(terms, limit.name)):
            found[limit.form_field] = message.format(
                least=limit.value_limits.least, most=limit.value_limits.most
            )
    both = _skill_keys(terms.skills) & _skill_keys(terms.preferred_skills)
    if both:
        found["preferred_skills"] = f"List {', '.join(sorted(both))} as required or as preferred, not both."
    criteria_error = _criteria_problem(terms.criteria)
    if criteria_error:
        found["criteria"] = criteria_error
    if terms.requires_manager_approval and not (
        terms.expected_hours_per_week and _value(EXPECTED_HOURS, terms.expected_hours_per_week)
    ):
        hours = EXPECTED_HOURS.value_limits
        found["expected_hours_per_week"] = (
            f"Say how many hours a week ({hours.least} to {hours.most}) a manager is agreeing to."
        )
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
    """Term names as messages say them: ``["bounty_minor", "tiers_bp"]`` → "bounty, prize split"."""
    return ", ".join(TERM_NAMED[name].in_words for name in names)
