"""Challenges over the API: the public list and page, and the sponsor's posting and lifecycle actions."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

from flask import url_for
from pydantic import Field

from app.accounts.models import User
from app.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from app.api.registry import OPTIONAL, operation
from app.api.schemas import Input, Money, MoneyIn, Output, PageQuery, Query, Time, money, text
from app.challenges import presenters, queries, services
from app.challenges.filetypes import FILE_TYPES
from app.challenges.lifecycle import Status
from app.challenges.models import Challenge
from app.challenges.rules import ChallengeTerms
from app.challenges.terms import (
    ALLOWED_TYPES,
    BRIEF,
    CRITERIA,
    CRITERION_GUIDANCE,
    CRITERION_NAME,
    CRITERION_WEIGHT,
    ELIGIBILITY,
    EXPECTED_HOURS,
    JUDGES,
    MANAGER_APPROVAL,
    MAX_FILE,
    OWN_ORG_CONFLICT,
    PREFERRED_SKILLS,
    RULES,
    SCALE_MAX,
    SCALE_MIN,
    SKILLS,
    SUBMISSIONS,
    SUMMARY,
    TIE_RULE,
    TIERS,
    TITLE,
    UNAWARDED_RULE,
    VERSIONS,
    Criterion,
    Term,
)
from app.core.access import Role
from app.core.errors import NotFound, PermissionDenied
from app.skills.services import skill_slug

TAG = "challenges"
# Spelled out for the schema; tests/api/test_openapi.py checks they match the domain's options.
EligibilityName = Literal["open", "internal", "external"]
TieRuleName = Literal["share", "earlier_submission", "first_criterion"]
UnawardedRuleName = Literal["return", "share"]
FileType = Literal[tuple(FILE_TYPES)]  # type: ignore[valid-type]
StatusName = Literal[tuple(status.value for status in Status)]  # type: ignore[valid-type]


# --- shapes -----------------------------------------------------------------------------------------
# Limits come from app.challenges.terms, the one description of a challenge's terms the posting form
# and rules read too; tests/unit/test_challenge_terms.py checks these models against it.


def _text(term: Term) -> Any:
    """The term's text type, with its length limits."""
    return text(term.length_limits.most, term.length_limits.least)


def _bounded(term: Term, **field: Any) -> Any:
    """A field with the term's limits: its range of values, or how many items it holds (no lower
    limit is stated when an empty list will do)."""
    if term.value is not None:
        field.update(ge=term.value_limits.least, le=term.value_limits.most)
    if term.items is not None:
        if term.item_limits.least:
            field["min_length"] = term.item_limits.least
        field["max_length"] = term.item_limits.most
    return Field(**field)


class CriterionIn(Input):
    name: _text(CRITERION_NAME)
    guidance: _text(CRITERION_GUIDANCE) = CRITERION_GUIDANCE.default
    weight: int = _bounded(CRITERION_WEIGHT, default=CRITERION_WEIGHT.default)
    scale_min: int = _bounded(SCALE_MIN, default=SCALE_MIN.default)
    scale_max: int = _bounded(SCALE_MAX, default=SCALE_MAX.default)


class ChallengeIn(Input):
    """A challenge's terms as a sponsor posts them; amounts in minor units, times with a timezone."""

    title: _text(TITLE)
    summary: _text(SUMMARY)
    brief_md: _text(BRIEF) = BRIEF.default
    rules_md: _text(RULES) = RULES.default
    skills: list[_text(SKILLS)] = _bounded(SKILLS, default_factory=list)
    preferred_skills: list[_text(PREFERRED_SKILLS)] = _bounded(
        PREFERRED_SKILLS,
        default_factory=list,
        description="helpful but not needed; skills are the required ones",
    )
    eligibility: EligibilityName = ELIGIBILITY.default
    bounty: MoneyIn
    tiers_bp: list[int] = _bounded(
        TIERS, description="prize shares in basis points, best place first, adding to 10000"
    )
    tie_rule: TieRuleName = TIE_RULE.default
    unawarded_rule: UnawardedRuleName = UNAWARDED_RULE.default
    opens_at: Time
    closes_at: Time
    judging_due_at: Time
    max_file_bytes: int = _bounded(MAX_FILE)
    allowed_types: list[FileType] = _bounded(ALLOWED_TYPES)
    submissions_per_contributor: int = _bounded(SUBMISSIONS, default=SUBMISSIONS.default)
    versions_per_submission: int = _bounded(VERSIONS, default=VERSIONS.default)
    judges_per_entry: int = _bounded(JUDGES, default=JUDGES.default)
    criteria: list[CriterionIn] = _bounded(CRITERIA)
    requires_manager_approval: bool = MANAGER_APPROVAL.default
    expected_hours_per_week: int | None = _bounded(EXPECTED_HOURS, default=EXPECTED_HOURS.default)
    judges_conflict_with_own_org: bool = OWN_ORG_CONFLICT.default


class ChallengePatch(Input):
    """Only the terms sent change; the rest stay as they are. Terms fixed by funding or opening
    cannot change: a 422 names them."""

    title: _text(TITLE) | None = None
    summary: _text(SUMMARY) | None = None
    brief_md: _text(BRIEF) | None = None
    rules_md: _text(RULES) | None = None
    skills: list[_text(SKILLS)] | None = _bounded(SKILLS, default=None)
    preferred_skills: list[_text(PREFERRED_SKILLS)] | None = _bounded(PREFERRED_SKILLS, default=None)
    eligibility: EligibilityName | None = None
    bounty: MoneyIn | None = None
    tiers_bp: list[int] | None = _bounded(TIERS, default=None)
    tie_rule: TieRuleName | None = None
    unawarded_rule: UnawardedRuleName | None = None
    opens_at: Time | None = None
    closes_at: Time | None = None
    judging_due_at: Time | None = None
    max_file_bytes: int | None = _bounded(MAX_FILE, default=None)
    allowed_types: list[FileType] | None = _bounded(ALLOWED_TYPES, default=None)
    submissions_per_contributor: int | None = _bounded(SUBMISSIONS, default=None)
    versions_per_submission: int | None = _bounded(VERSIONS, default=None)
    judges_per_entry: int | None = _bounded(JUDGES, default=None)
    criteria: list[CriterionIn] | None = _bounded(CRITERIA, default=None)
    requires_manager_approval: bool | None = None
    expected_hours_per_week: int | None = _bounded(EXPECTED_HOURS, default=None)
    judges_conflict_with_own_org: bool | None = None


class CancelIn(Input):
    reason: text(1000, 1) = Field(description="participants read it")


class CriterionOut(Output):
    id: int
    name: str
    guidance: str
    weight: int
    scale_min: int
    scale_max: int


class PrizeOut(Output):
    place: int
    share_bp: int
    amount: Money


class SponsorOut(Output):
    id: int
    name: str


class ChallengeOut(Output):
    id: int
    slug: str
    title: str
    summary: str
    brief_md: str
    rules_md: str
    status: StatusName
    sponsor: SponsorOut
    skills: list[str]
    preferred_skills: list[str]
    eligibility: str
    bounty: Money
    tiers_bp: list[int]
    prizes: list[PrizeOut]
    tie_rule: str
    unawarded_rule: str
    opens_at: datetime
    closes_at: datetime
    judging_due_at: datetime
    max_file_bytes: int
    allowed_types: list[str]
    submissions_per_contributor: int
    versions_per_submission: int
    judges_per_entry: int
    criteria: list[CriterionOut]
    requires_manager_approval: bool
    expected_hours_per_week: int | None
    judges_conflict_with_own_org: bool
    created_at: datetime
    status_changed_at: datetime


class ChallengeList(Output):
    items: list[ChallengeOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last page")


class ChallengeListQuery(Query):
    status: list[Literal[tuple(queries.STATUS_FILTERS)]] | None = Field(  # type: ignore[valid-type]
        default=None, description="any of these; default upcoming and open. Drafts are never listed."
    )
    skill: list[text(80, 1)] | None = Field(default=None, description="challenges asking for any of these")
    eligibility: EligibilityName | None = None
    reward: Literal["cash", "points"] | None = None
    q: text(200) | None = Field(default=None, description="words in the title or summary")
    sort: Literal[tuple(queries.SORTS)] = queries.DEFAULT_SORT  # type: ignore[valid-type]
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: text(500) | None = None


# --- conversions ------------------------------------------------------------------------------------


def challenge_out(challenge: Challenge) -> ChallengeOut:
    return ChallengeOut(
        id=challenge.id,
        slug=challenge.slug,
        title=challenge.title,
        summary=challenge.summary,
        brief_md=challenge.brief_md,
        rules_md=challenge.rules_md,
        status=challenge.status,
        sponsor=SponsorOut(id=challenge.sponsor_org.id, name=challenge.sponsor_org.name),
        skills=[skill.name for skill in challenge.skills],
        preferred_skills=[skill.name for skill in challenge.preferred_skills],
        eligibility=challenge.eligibility,
        bounty=money(challenge.bounty_minor, challenge.currency),
        tiers_bp=list(challenge.tiers_bp),
        prizes=[
            PrizeOut(place=place, share_bp=share_bp, amount=money(amount, challenge.currency))
            for place, share_bp, amount in presenters.prize_table(challenge)
        ],
        tie_rule=challenge.tie_rule,
        unawarded_rule=challenge.unawarded_rule,
        opens_at=challenge.opens_at,
        closes_at=challenge.closes_at,
        judging_due_at=challenge.judging_due_at,
        max_file_bytes=challenge.max_file_bytes,
        allowed_types=list(challenge.allowed_types),
        submissions_per_contributor=challenge.submissions_per_contributor,
        versions_per_submission=challenge.versions_per_submission,
        judges_per_entry=challenge.judges_per_entry,
        criteria=[CriterionOut.model_validate(criterion) for criterion in challenge.criteria],
        requires_manager_approval=challenge.requires_manager_approval,
        expected_hours_per_week=challenge.expected_hours_per_week,
        judges_conflict_with_own_org=challenge.judges_conflict_with_own_org,
        created_at=challenge.created_at,
        status_changed_at=challenge.status_changed_at,
    )


def _criteria(rows: list[CriterionIn]) -> tuple[Criterion, ...]:
    return tuple(Criterion(row.name, row.guidance, row.weight, row.scale_min, row.scale_max) for row in rows)


def terms_from(body: ChallengeIn) -> ChallengeTerms:
    return ChallengeTerms(
        title=body.title,
        summary=body.summary,
        brief_md=body.brief_md,
        rules_md=body.rules_md,
        skills=tuple(body.skills),
        preferred_skills=tuple(body.preferred_skills),
        eligibility=body.eligibility,
        currency=body.bounty.currency,
        bounty_minor=body.bounty.amount_minor,
        tiers_bp=tuple(body.tiers_bp),
        tie_rule=body.tie_rule,
        unawarded_rule=body.unawarded_rule,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        judging_due_at=body.judging_due_at,
        max_file_bytes=body.max_file_bytes,
        allowed_types=tuple(body.allowed_types),
        submissions_per_contributor=body.submissions_per_contributor,
        versions_per_submission=body.versions_per_submission,
        judges_per_entry=body.judges_per_entry,
        criteria=_criteria(body.criteria),
        requires_manager_approval=body.requires_manager_approval,
        expected_hours_per_week=body.expected_hours_per_week,
        judges_conflict_with_own_org=body.judges_conflict_with_own_org,
    )


def patched_terms(terms: ChallengeTerms, patch: ChallengePatch) -> ChallengeTerms:
    """The current terms with the patch's non-null fields applied."""
    changes = {name: value for name, value in patch if value is not None}
    if patch.bounty is not None:
        del changes["bounty"]
        changes["currency"], changes["bounty_minor"] = patch.bounty.currency, patch.bounty.amount_minor
    if patch.criteria is not None:
        changes["criteria"] = _criteria(patch.criteria)
    return replace(
        terms, **{name: tuple(value) if isinstance(value, list) else value for name, value in changes.items()}
    )


def visible_challenge(challenge_id: int, user: User | None) -> Challenge:
    """The challenge if the caller may see it; a draft of another organisation does not exist for them."""
    challenge = queries.challenge_by_id(challenge_id)
    if challenge is None or not services.may_view(user, challenge):
        raise NotFound("No such challenge.")
    return challenge


def managed_challenge(challenge_id: int, user: User) -> Challenge:
    """A challenge the caller manages: 404 for drafts they cannot see, 403 for public ones."""
    challenge = visible_challenge(challenge_id, user)
    if not services.can_manage(user, challenge):
        raise PermissionDenied(f"Only members of {challenge.sponsor_org.name} can manage this challenge.")
    return challenge


def _location(challenge: Challenge) -> dict[str, str]:
    return {"Location": url_for("api.get_challenge", challenge_id=challenge.id)}


# --- operations -------------------------------------------------------------------------------------

WRITES = (400, 401, 403, 404, 409, 413, 415, 422)


@operation(
    "GET",
    "/challenges",
    summary="List published challenges, with filters",
    tag=TAG,
    query=ChallengeListQuery,
    response=ChallengeList,
    errors=(400, 401, 422),
    auth=OPTIONAL,
)
def list_challenges(query: ChallengeListQuery, user: User | None) -> ChallengeList:
    """Everything but drafts, as the public list page shows it; sorted by deadline, bounty or age."""
    filters = queries.ListFilters(
        statuses=tuple(dict.fromkeys(query.status or queries.DEFAULT_STATUS_FILTERS)),
        skills=tuple(dict.fromkeys(skill_slug(name) for name in query.skill or ())),
        eligibility=query.eligibility,
        reward=query.reward,
        search=" ".join((query.q or "").split()),
        sort=query.sort,
    )
    page = paginate(
        queries.in_full(queries.challenge_list(filters)),
        queries.SORT_KEYS[filters.sort],
        lambda challenge: [getattr(challenge, column.key) for column, _ in queries.SORT_KEYS[filters.sort]],
        list_name="challenges",
        cursor=query.cursor,
        limit=query.limit,
        filters=filters.query_args(),
    )
    rows = queries.load_skill_lists(page.rows)
    return ChallengeList(items=[challenge_out(row) for row in rows], next_cursor=page.next_cursor)


@operation(
    "GET",
    "/challenges/<id:challenge_id>",
    summary="Get a challenge",
    tag=TAG,
    response=ChallengeOut,
    errors=(401, 404),
    auth=OPTIONAL,
)
def get_challenge(challenge_id: int, user: User | None) -> ChallengeOut:
    """Any challenge but a draft; drafts only for their sponsor's organisation and admins."""
    return challenge_out(visible_challenge(challenge_id, user))


@operation(
    "GET",
    "/me/challenges",
    summary="List my organisation's challenges, drafts included",
    tag=TAG,
    query=PageQuery,
    response=ChallengeList,
    errors=(400, 401, 422),
)
def my_challenges(query: PageQuery, user: User) -> ChallengeList:
    """For sponsors: every challenge of their organisation, newest first. Empty for everyone else."""
    page = paginate(
        queries.in_full(
            queries.organization_challenges(user.organization_id if user.has_role(Role.SPONSOR) else None)
        ),
        ((Challenge.id, True),),
        lambda challenge: [challenge.id],
        list_name="my-challenges",
        cursor=query.cursor,
        limit=query.limit,
        filters={"user": user.id},
    )
    rows = queries.load_skill_lists(page.rows)
    return ChallengeList(items=[challenge_out(row) for row in rows], next_cursor=page.next_cursor)


@operation(
    "POST",
    "/challenges",
    summary="Post a draft challenge",
    tag=TAG,
    body=ChallengeIn,
    response=ChallengeOut,
    status=201,
    errors=(400, 401, 403, 413, 415, 422),
)
def create_challenge(body: ChallengeIn, user: User):
    """Sponsors only. The draft is private to the organisation until it is funded and opens."""
    challenge = services.create_challenge(user, terms_from(body))
    return challenge_out(challenge), _location(challenge)


@operation(
    "PATCH",
    "/challenges/<id:challenge_id>",
    summary="Change a challenge's terms",
    tag=TAG,
    body=ChallengePatch,
    response=ChallengeOut,
    errors=WRITES,
)
def update_challenge(challenge_id: int, body: ChallengePatch, user: User) -> ChallengeOut:
    """Drafts change freely; after funding the bounty is fixed, after opening everything contributors
    rely on is fixed (a 422 names the terms that can no longer change)."""
    challenge = managed_challenge(challenge_id, user)
    terms = patched_terms(services.terms_of(challenge), body)
    return challenge_out(services.update_challenge(challenge.id, user, terms))


@operation(
    "POST",
    "/challenges/<id:challenge_id>/fund",
    summary="Fund the bounty into escrow",
    tag=TAG,
    response=ChallengeOut,
    errors=WRITES,
)
def fund_challenge(challenge_id: int, user: User) -> ChallengeOut:
    """Moves the bounty from the organisation's balance into escrow; the challenge then opens at its
    opening time. 409 with code invalid_state when it is not a draft."""
    challenge = managed_challenge(challenge_id, user)
    return challenge_out(services.fund_challenge(challenge.id, user))


@operation(
    "POST",
    "/challenges/<id:challenge_id>/open",
    summary="Publish a funded challenge now",
    tag=TAG,
    response=ChallengeOut,
    errors=WRITES,
)
def open_challenge(challenge_id: int, user: User) -> ChallengeOut:
    """Opens a funded challenge at once instead of at its opening time."""
    challenge = managed_challenge(challenge_id, user)
    return challenge_out(services.open_now(challenge.id, user))


@operation(
    "POST",
    "/challenges/<id:challenge_id>/cancel",
    summary="Cancel a challenge and refund its escrow",
    tag=TAG,
    body=CancelIn,
    response=ChallengeOut,
    errors=WRITES,
)
def cancel_challenge(challenge_id: int, body: CancelIn, user: User) -> ChallengeOut:
    """Possible until prizes are awarded; every cent in escrow goes back to the sponsor."""
    challenge = managed_challenge(challenge_id, user)
    return challenge_out(services.cancel_challenge(challenge.id, user, body.reason))
