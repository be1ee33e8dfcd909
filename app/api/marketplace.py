"""The internal marketplace over the API: "For you", asking one's manager for time, and deciding.

Thin handlers over app.marketplace.services, the same calls the marketplace pages make, so the
org chart, the hours cap and who may decide hold here exactly as they do on the web.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field

from app.accounts.models import User
from app.api.registry import operation
from app.api.schemas import Input, Output, text
from app.core.access import Role
from app.core.errors import PermissionDenied, ValidationFailed
from app.core.timeutil import utcnow
from app.marketplace import capacity, services
from app.marketplace.models import APPROVED, DECLINED, PENDING, ApprovalRequest

TAG = "marketplace"
ApprovalStatus = Literal[PENDING, APPROVED, DECLINED]  # type: ignore[valid-type]
WRITES = (400, 401, 403, 404, 409, 413, 415, 422)


# --- shapes -----------------------------------------------------------------------------------------


class ChallengeRefOut(Output):
    id: int
    slug: str
    title: str


class RecommendationOut(Output):
    challenge: ChallengeRefOut
    score: int = Field(description="match out of 100: skills 60, hours 20, time left 20")
    matched_skills: list[str] = Field(description="your skills this challenge asks for")
    reasons: list[str] = Field(description="why it is shown, best reason first, as the page words them")
    closes_at: datetime
    time_left: timedelta = Field(description="until closes_at, as an ISO 8601 duration")
    expected_hours_per_week: int | None = Field(description="the weekly hours the sponsor asks for")
    requires_manager_approval: bool


class RecommendationList(Output):
    items: list[RecommendationOut] = Field(
        description="best first; challenges you may not enter are left out"
    )


class PersonOut(Output):
    id: int
    display_name: str
    email: str


class ApprovalRequestOut(Output):
    id: int
    challenge: ChallengeRefOut
    contributor: PersonOut
    manager: PersonOut
    hours_per_week: int
    status: ApprovalStatus
    request_note: str
    decision_note: str
    requested_at: datetime
    decided_at: datetime | None


class ApprovalRequestList(Output):
    items: list[ApprovalRequestOut] = Field(description="newest first")


class DecisionQueueItemOut(ApprovalRequestOut):
    held_hours_per_week: int = Field(
        description="hours a week already approved for this person on challenges still running"
    )


class DecisionQueue(Output):
    cap_hours_per_week: int = Field(description="the organisation's cap on approved hours a week per person")
    items: list[DecisionQueueItemOut] = Field(
        description="those waiting first, then decided ones, newest first"
    )


class ApprovalRequestIn(Input):
    hours_per_week: int = Field(ge=capacity.MIN_HOURS, le=capacity.MAX_HOURS)
    manager_email: text(254, 3) | None = Field(
        default=None, description="who you think approves; refused (422) unless the org chart agrees"
    )
    note: text(services.MAX_NOTE) = ""


class DecisionIn(Input):
    decision: Literal["approve", "decline"]
    note: text(services.MAX_NOTE) = Field(default="", description="the contributor reads it")


# --- conversions ------------------------------------------------------------------------------------


def _challenge_ref(challenge) -> ChallengeRefOut:
    return ChallengeRefOut(id=challenge.id, slug=challenge.slug, title=challenge.title)


def _person(user: User) -> PersonOut:
    return PersonOut(id=user.id, display_name=user.display_name, email=user.email)


def _request_fields(request: ApprovalRequest) -> dict:
    return dict(
        id=request.id,
        challenge=_challenge_ref(request.challenge),
        contributor=_person(request.contributor),
        manager=_person(request.manager),
        hours_per_week=request.hours_per_week,
        status=request.status,
        request_note=request.request_note,
        decision_note=request.decision_note,
        requested_at=request.requested_at,
        decided_at=request.decided_at,
    )


def approval_out(request: ApprovalRequest) -> ApprovalRequestOut:
    return ApprovalRequestOut(**_request_fields(request))


# --- operations -------------------------------------------------------------------------------------


@operation(
    "GET",
    "/me/recommendations",
    summary='My "For you" list of open challenges, with reasons',
    tag=TAG,
    response=RecommendationList,
    errors=(401, 403),
)
def my_recommendations(user: User) -> RecommendationList:
    """For contributors (403 otherwise), as the For you page ranks them."""
    if not user.has_role(Role.CONTRIBUTOR):
        raise PermissionDenied("Recommendations are for the contributor role.")
    now = utcnow()
    items = [
        RecommendationOut(
            challenge=_challenge_ref(challenge),
            score=recommendation.score,
            matched_skills=list(recommendation.matched),
            reasons=list(recommendation.reasons),
            closes_at=challenge.closes_at,
            time_left=timedelta(seconds=int((challenge.closes_at - now).total_seconds())),
            expected_hours_per_week=challenge.expected_hours_per_week,
            requires_manager_approval=challenge.requires_manager_approval,
        )
        for challenge, recommendation in services.recommendations_for(user, now=now)
    ]
    return RecommendationList(items=items)


@operation(
    "POST",
    "/challenges/<id:challenge_id>/approval-requests",
    summary="Ask my manager for hours a week on a challenge",
    tag=TAG,
    body=ApprovalRequestIn,
    response=ApprovalRequestOut,
    status=201,
    errors=WRITES,
)
def request_approval(challenge_id: int, body: ApprovalRequestIn, user: User) -> ApprovalRequestOut:
    """Internal contributors only, on upcoming or open challenges that need approval. The manager is
    the one the org chart names; 422 approval_cap_exceeded when the hours would pass the cap."""
    try:
        request = services.request_approval(
            challenge_id,
            user,
            hours_per_week=body.hours_per_week,
            approver_email=body.manager_email,
            note=body.note,
        )
    except ValidationFailed as error:
        if error.field == "approver_email":  # the service's form name for what this API calls manager_email
            error.field = "manager_email"
        raise
    return approval_out(request)


@operation(
    "GET",
    "/me/approval-requests",
    summary="My requests for a manager's approval and their status",
    tag=TAG,
    response=ApprovalRequestList,
    errors=(401,),
)
def my_approval_requests(user: User) -> ApprovalRequestList:
    return ApprovalRequestList(items=[approval_out(row) for row in services.approvals_of(user)])


@operation(
    "GET",
    "/approvals",
    summary="Approval requests addressed to me as a manager",
    tag=TAG,
    response=DecisionQueue,
    errors=(401,),
)
def approvals_to_decide(user: User) -> DecisionQueue:
    """Those waiting first; each with the hours the person already holds, beside the cap."""
    rows = services.requests_to_decide(user)
    held = services.held_hours_of({row.contributor_id for row in rows})
    return DecisionQueue(
        cap_hours_per_week=services.approval_cap_hours(),
        items=[
            DecisionQueueItemOut(**_request_fields(row), held_hours_per_week=held[row.contributor_id])
            for row in rows
        ],
    )


@operation(
    "POST",
    "/approvals/<id:request_id>/decision",
    summary="Approve or decline a request addressed to me",
    tag=TAG,
    body=DecisionIn,
    response=ApprovalRequestOut,
    errors=WRITES,
)
def decide_approval(request_id: int, body: DecisionIn, user: User) -> ApprovalRequestOut:
    """Only the contributor's manager decides (404 for anyone else; 403 for one's own request), once
    (409 afterwards). Approving past the cap is 422 approval_cap_exceeded and leaves it pending."""
    request = services.decide_approval(request_id, user, approve=body.decision == "approve", note=body.note)
    return approval_out(request)
