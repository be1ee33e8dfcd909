"""Judging over the API: the sponsor's panel, the judge's invitations and queue, entries by alias,
reviews and recusal.

Judges reach an entry only through their own active, non-conflicted assignment, by the challenge
and the entry's alias; every other way in is the same 404, so the answer never says whether an
entry exists. Nothing a judge reads names the entry's maker or the original file name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from app.accounts.models import User
from app.api.challenges import CriterionOut, managed_challenge
from app.api.registry import operation
from app.api.schemas import Input, Output, text
from app.api.submissions import ChallengeRefOut, DownloadOut, download_out
from app.core.errors import NotFound, PermissionDenied
from app.judging import panels, queries, reviews
from app.judging.models import SUBMITTED, Assignment, PanelMember, Review
from app.submissions import services as submissions

TAG = "judging"
NO_ENTRY = "You have no entry to review with that alias in this challenge."


class PersonOut(Output):
    id: int
    display_name: str
    email: str


class PanelMemberOut(Output):
    id: int
    judge: PersonOut
    status: Literal["invited", "accepted", "declined"]
    max_load: int | None
    invited_at: datetime
    responded_at: datetime | None


class PanelOut(Output):
    items: list[PanelMemberOut]


class InviteIn(Input):
    email: text(320, 3)
    name: text(120) = Field(default="", description="used only when the person has no account yet")


class InvitationOut(Output):
    id: int
    challenge: ChallengeRefOut
    status: Literal["invited", "accepted", "declined"]
    max_load: int | None
    invited_at: datetime
    responded_at: datetime | None


class InvitationList(Output):
    items: list[InvitationOut]


class AnswerIn(Input):
    accept: bool
    max_load: int | None = Field(default=None, ge=1, le=1000, description="most entries you will review")


class ReviewOut(Output):
    status: Literal["draft", "submitted"]
    scores: dict[str, int] = Field(description="score by rubric criterion id")
    comment_for_sponsor: str
    comment_for_contributor: str
    updated_at: datetime
    submitted_at: datetime | None


class ReviewIn(Input):
    scores: dict[text(20, 1), int] = Field(description="score by rubric criterion id; all of them to submit")
    comment_for_sponsor: text(10_000) = ""
    comment_for_contributor: text(10_000) = Field(default="", description="shown after results, unsigned")
    submit: bool = Field(default=False, description="false saves a draft; true submits (or revises)")


class RecuseIn(Input):
    reason: text(1000) = ""


class VersionSummaryOut(Output):
    number: int
    size_bytes: int
    content_type: str
    sha256: str
    created_at: datetime


class EntryOut(Output):
    alias: str
    title: str
    description_md: str
    challenge: ChallengeRefOut
    rubric: list[CriterionOut]
    latest_version: VersionSummaryOut | None
    review: ReviewOut | None


class QueueItemOut(Output):
    challenge: ChallengeRefOut
    alias: str
    title: str
    judging_due_at: datetime
    review_status: Literal["not_started", "draft", "submitted"]


class QueueOut(Output):
    items: list[QueueItemOut]
    submitted: int
    total: int


class RecusalOut(Output):
    alias: str
    status: Literal["recused"]
    # Whether a free judge on the panel takes the entry; when not, the sponsor was asked to invite one.
    replaced: bool


def _challenge_ref(challenge) -> ChallengeRefOut:
    return ChallengeRefOut(id=challenge.id, slug=challenge.slug, title=challenge.title)


def _member_out(member: PanelMember) -> PanelMemberOut:
    judge = member.judge
    return PanelMemberOut(
        id=member.id,
        judge=PersonOut(id=judge.id, display_name=judge.display_name, email=judge.email),
        status=member.status,
        max_load=member.max_load,
        invited_at=member.invited_at,
        responded_at=member.responded_at,
    )


def _invitation_out(member: PanelMember) -> InvitationOut:
    return InvitationOut(
        id=member.id,
        challenge=_challenge_ref(member.challenge),
        status=member.status,
        max_load=member.max_load,
        invited_at=member.invited_at,
        responded_at=member.responded_at,
    )


def _review_out(review: Review | None) -> ReviewOut | None:
    if review is None:
        return None
    return ReviewOut(
        status=review.status,
        scores={key: int(value) for key, value in review.scores.items()},
        comment_for_sponsor=review.comment_for_sponsor,
        comment_for_contributor=review.comment_for_contributor,
        updated_at=review.updated_at,
        submitted_at=review.submitted_at,
    )


def _review_status(assignment: Assignment) -> str:
    if assignment.review is None:
        return "not_started"
    return "submitted" if assignment.review.status == SUBMITTED else "draft"


def _entry_out(assignment: Assignment) -> EntryOut:
    submission = assignment.submission
    latest = submission.latest
    return EntryOut(
        alias=submission.alias,
        title=submission.title,
        description_md=submission.description_md,
        challenge=_challenge_ref(submission.challenge),
        rubric=[CriterionOut.model_validate(criterion) for criterion in submission.challenge.criteria],
        latest_version=VersionSummaryOut(
            number=latest.number,
            size_bytes=latest.size_bytes,
            content_type=latest.content_type,
            sha256=latest.sha256,
            created_at=latest.created_at,
        )
        if latest
        else None,
        review=_review_out(assignment.review),
    )


def judge_assignment(challenge_id: int, alias: str, judge: User) -> Assignment:
    """The judge's own active, non-conflicted assignment to this entry, or 404 whatever the reason."""
    assignment = queries.active_assignment_by_alias(challenge_id, alias, judge.id)
    if assignment is None:
        raise NotFound(NO_ENTRY)
    try:
        return reviews.assignment_for(assignment.id, judge)
    except PermissionDenied:
        raise NotFound(NO_ENTRY) from None


ENTRY = "/judging/challenges/<id:challenge_id>/entries/<alias:alias>"


@operation(
    "GET",
    "/challenges/<id:challenge_id>/panel",
    summary="List a challenge's judging panel",
    tag=TAG,
    response=PanelOut,
    errors=(401, 403, 404),
)
def get_panel(challenge_id: int, user: User) -> PanelOut:
    """For the sponsor's team and admins: who was invited and how they answered."""
    challenge = managed_challenge(challenge_id, user)
    return PanelOut(items=[_member_out(member) for member in panels.panel_of(challenge.id)])


@operation(
    "POST",
    "/challenges/<id:challenge_id>/panel",
    summary="Invite a judge",
    tag=TAG,
    body=InviteIn,
    response=PanelMemberOut,
    status=201,
    errors=(400, 401, 403, 404, 409, 413, 415, 422),
)
def invite_judge(challenge_id: int, body: InviteIn, user: User) -> PanelMemberOut:
    """A person without an account gets one and an e-mail with a link to set a password."""
    challenge = managed_challenge(challenge_id, user)
    return _member_out(panels.invite_judge(challenge.id, user, body.email, name=body.name))


@operation(
    "GET",
    "/judging/invitations",
    summary="List my invitations to judge",
    tag=TAG,
    response=InvitationList,
    errors=(401,),
)
def list_invitations(user: User) -> InvitationList:
    return InvitationList(items=[_invitation_out(member) for member in panels.invitations_for(user)])


@operation(
    "POST",
    "/judging/invitations/<id:invitation_id>/answer",
    summary="Accept or decline an invitation to judge",
    tag=TAG,
    body=AnswerIn,
    response=InvitationOut,
    errors=(400, 401, 403, 404, 409, 413, 415, 422),
)
def answer_invitation(invitation_id: int, body: AnswerIn, user: User) -> InvitationOut:
    member = panels.respond_to_invitation(invitation_id, user, accept=body.accept, max_load=body.max_load)
    return _invitation_out(member)


@operation(
    "GET",
    "/judging/queue",
    summary="My review queue",
    tag=TAG,
    response=QueueOut,
    errors=(401,),
)
def review_queue(user: User) -> QueueOut:
    """Entries assigned to me on challenges being judged, nearest judging deadline first, by alias."""
    assigned = reviews.assignments_of(user)
    conflicted = panels.conflicted_entries(user, [row.submission for row in assigned])
    rows = [row for row in assigned if row.submission_id not in conflicted]
    items = [
        QueueItemOut(
            challenge=_challenge_ref(row.submission.challenge),
            alias=row.submission.alias,
            title=row.submission.title,
            judging_due_at=row.submission.challenge.judging_due_at,
            review_status=_review_status(row),
        )
        for row in rows
    ]
    submitted = sum(1 for item in items if item.review_status == "submitted")
    return QueueOut(items=items, submitted=submitted, total=len(items))


@operation(
    "GET",
    ENTRY,
    summary="Get an entry I review, by alias",
    tag=TAG,
    response=EntryOut,
    errors=(401, 404),
)
def get_entry(challenge_id: int, alias: str, user: User) -> EntryOut:
    """The entry, the rubric and my review so far. 404 unless I am assigned to it without a conflict."""
    return _entry_out(judge_assignment(challenge_id, alias, user))


@operation(
    "GET",
    ENTRY + "/download",
    summary="Get a short-lived link to an entry's file",
    tag=TAG,
    response=DownloadOut,
    errors=(401, 404, 503),
)
def download_entry(challenge_id: int, alias: str, user: User) -> DownloadOut:
    """The latest version, named by alias (entry-k7qf-v2.pdf), never by its original name."""
    assignment = judge_assignment(challenge_id, alias, user)
    return download_out(submissions.download_url(assignment.submission_id, user))


@operation(
    "PUT",
    ENTRY + "/review",
    summary="Save, submit or revise my review of an entry",
    tag=TAG,
    body=ReviewIn,
    response=ReviewOut,
    errors=(400, 401, 403, 404, 409, 413, 415, 422),
)
def save_review(challenge_id: int, alias: str, body: ReviewIn, user: User) -> ReviewOut:
    """submit=false saves a draft (partial scores allowed); submit=true needs every criterion scored.
    A submitted review can be revised by submitting again until the judging deadline (409 after)."""
    assignment = judge_assignment(challenge_id, alias, user)
    review = reviews.save_review(
        assignment.id,
        user,
        dict(body.scores),
        comment_for_sponsor=body.comment_for_sponsor,
        comment_for_contributor=body.comment_for_contributor,
        submit=body.submit,
    )
    return _review_out(review)


@operation(
    "POST",
    ENTRY + "/recuse",
    summary="Step away from an entry",
    tag=TAG,
    body=RecuseIn,
    response=RecusalOut,
    errors=(400, 401, 403, 404, 409, 413, 415, 422),
)
def recuse(challenge_id: int, alias: str, body: RecuseIn, user: User) -> RecusalOut:
    """For a conflict noticed while reviewing; ``replaced`` says whether a free judge on the panel
    takes the entry (when none is free, the sponsor is asked to invite one)."""
    assignment = judge_assignment(challenge_id, alias, user)
    recusal = reviews.recuse(assignment.id, user, body.reason)
    return RecusalOut(alias=assignment.submission.alias, status="recused", replaced=recusal.replaced)
