"""Reviews: a judge's queue, the entry they open, their scores and comments (drafts and submitted),
recusal, and after publication a contributor's own scores with judges named only by letter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import jobs
from app.accounts.models import User
from app.challenges.lifecycle import Status
from app.challenges.models import Challenge
from app.challenges.services import tell_sponsors
from app.core import audit
from app.core.errors import Conflict, PermissionDenied, ValidationFailed
from app.core.timeutil import utcnow
from app.core.transactions import atomic
from app.extensions import db
from app.judging import queue
from app.judging.assigning import free_judges
from app.judging.labels import judge_letters
from app.judging.models import (
    ACTIVE,
    RECUSED,
    SUBMITTED,
    Assignment,
    Review,
)
from app.judging.panels import is_conflicted
from app.judging.queries import label_secret
from app.judging.results import judging_complete, published
from app.submissions.models import Submission

NOT_YOURS = "You are not assigned to this entry."


def assignments_of(judge: User) -> list[Assignment]:
    """The judge's active assignments on challenges being judged, nearest judging deadline first,
    each with its entry, the entry's challenge and the judge's review loaded (the queue shows them)."""
    return list(
        db.session.scalars(
            select(Assignment)
            .join(Challenge, Challenge.id == Assignment.challenge_id)
            .where(
                Assignment.judge_id == judge.id,
                Assignment.status == ACTIVE,
                Challenge.status.in_((Status.JUDGING.value, Status.RESULTS_PROPOSED.value)),
            )
            .order_by(Challenge.judging_due_at, Assignment.id)
            # What the queue shows and the conflict check reads, loaded with the rows.
            .options(
                joinedload(Assignment.review),
                joinedload(Assignment.submission).options(
                    joinedload(Submission.challenge),
                    joinedload(Submission.contributor).joinedload(User.organization),
                ),
            )
        )
    )


def next_unscored(judge: User, *, after: int | None = None) -> int | None:
    """The next assignment without a submitted review, after ``after`` if given, else the first."""
    return queue.next_unscored(judge.id, after=after)


def assignment_for(assignment_id: int, judge: User) -> Assignment:
    """The judge's own active, non-conflicted assignment, or one refusal that says nothing more.

    Every way in (a guessed id, someone else's assignment, a conflicted entry) gets the same answer,
    so the response never reveals whether an entry exists or who made it.
    """
    assignment = db.session.get(Assignment, assignment_id)
    if (
        assignment is None
        or assignment.judge_id != judge.id
        or assignment.status != ACTIVE
        or is_conflicted(judge, assignment.submission)
    ):
        raise PermissionDenied(NOT_YOURS)
    return assignment


def may_review_file(judge: User, submission: Submission) -> bool:
    """Assigned, active and not conflicted: the only way a judge reaches an entry's file."""
    assignment = db.session.scalar(
        select(Assignment).where(
            Assignment.judge_id == judge.id,
            Assignment.submission_id == submission.id,
            Assignment.status == ACTIVE,
        )
    )
    return assignment is not None and not is_conflicted(judge, submission)


def _checked_scores(challenge: Challenge, raw: dict[str, object], *, complete: bool) -> dict[str, int]:
    scores: dict[str, int] = {}
    problems: dict[str, str] = {}
    for criterion in challenge.criteria:
        key = str(criterion.id)
        value = raw.get(key)
        if value in (None, ""):
            if complete:
                problems[f"criterion-{key}"] = f"Score “{criterion.name}” before submitting."
            continue
        try:
            number = int(value)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            problems[f"criterion-{key}"] = f"“{criterion.name}” needs a whole number."
            continue
        if not criterion.scale_min <= number <= criterion.scale_max:
            problems[f"criterion-{key}"] = (
                f"“{criterion.name}” is scored from {criterion.scale_min} to {criterion.scale_max}."
            )
            continue
        scores[key] = number
    unknown = set(raw) - {str(criterion.id) for criterion in challenge.criteria}
    if unknown:
        problems["scores"] = "Scores were sent for criteria this rubric does not have."
    if problems:
        raise ValidationFailed(" ".join(problems.values()), errors=problems)
    return scores


@atomic
def save_review(
    assignment_id: int,
    judge: User,
    scores: dict[str, object],
    *,
    comment_for_sponsor: str = "",
    comment_for_contributor: str = "",
    submit: bool = False,
    now: datetime | None = None,
) -> Review:
    """Save a draft, or submit, a review; a submitted review may be revised until judging closes."""
    now = now or utcnow()
    assignment = assignment_for(assignment_id, judge)
    challenge = assignment.submission.challenge
    if challenge.state is not Status.JUDGING or now > challenge.judging_due_at:
        raise Conflict("Judging has closed for this challenge; reviews can no longer change.")
    checked = _checked_scores(challenge, scores, complete=submit)
    # Saves of one review (autosaved drafts, the submit button) take turns on the assignment's row,
    # and the review is read again once it is their turn: a draft still in flight when the judge
    # submits finds the review submitted, instead of writing its older text over it.
    db.session.execute(select(Assignment.id).where(Assignment.id == assignment.id).with_for_update())
    review = db.session.scalar(
        select(Review).where(Review.assignment_id == assignment.id).execution_options(populate_existing=True)
    ) or Review(assignment=assignment)
    if review.status == SUBMITTED and not submit:
        raise Conflict("This review was submitted; change it by submitting again.")
    review.scores = checked
    review.comment_for_sponsor = (comment_for_sponsor or "").strip()[:10_000]
    review.comment_for_contributor = (comment_for_contributor or "").strip()[:10_000]
    review.updated_at = now
    if submit:
        review.status = SUBMITTED
        review.submitted_at = now
    db.session.add(review)
    db.session.flush()
    audit.record(
        "review.submitted" if submit else "review.draft_saved",
        review,
        actor=judge,
        assignment_id=assignment.id,
    )
    if submit and judging_complete(challenge):
        jobs.enqueue("app.judging.jobs:aggregate_when_ready", challenge.id, subject=challenge, commit=False)
    db.session.commit()
    return review


@dataclass(frozen=True)
class Recusal:
    """A judge stepped away; ``replaced`` says whether a free judge on the panel can take the entry
    (the reassign job gives it to them), so the judge is told only what is true."""

    assignment: Assignment
    replaced: bool


@atomic
def recuse(assignment_id: int, judge: User, reason: str = "", *, now: datetime | None = None) -> Recusal:
    """Step away from an entry ("I recognise this work"). A free judge on the panel takes it; when
    none is free, the sponsor is told to invite one, and the judge is told that instead."""
    now = now or utcnow()
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.judge_id != judge.id:
        raise PermissionDenied(NOT_YOURS)
    if assignment.status == RECUSED:
        raise Conflict("You already recused yourself from this entry.")
    if assignment.status != ACTIVE:
        raise PermissionDenied(NOT_YOURS)
    challenge = assignment.submission.challenge
    if challenge.state is not Status.JUDGING:
        raise Conflict(
            f"Judging of “{challenge.title}” has ended, so its entries can no longer be stepped away from; "
            "write to the sponsor if something is wrong."
        )
    assignment.status = RECUSED
    assignment.recusal_reason = (reason or "").strip()[:1000]
    assignment.ended_at = now
    audit.record("assignment.recused", assignment, actor=judge)
    db.session.flush()
    candidates, _loads = free_judges(challenge, assignment.submission)
    if candidates:
        jobs.enqueue(
            "app.judging.jobs:reassign",
            assignment.challenge_id,
            subject=challenge,
            started_by=judge,
            commit=False,
        )
    else:
        tell_sponsors(
            challenge,
            f"An entry needs a judge: {challenge.title}",
            f"A judge stepped away from {assignment.submission.label} and no judge on the panel is free to "
            "take it. Invite another judge on the challenge's dashboard.",
            link=f"/challenges/{challenge.slug}/manage#panel",
        )
    db.session.commit()
    return Recusal(assignment, replaced=bool(candidates))


def my_scores(submission: Submission) -> list[tuple[str, Review]]:
    """After publication, a contributor's own reviews, judges named only "Judge A", "Judge B"…

    The letters follow a keyed order of their own (``labels.judge_letters``), not the order judges
    were invited or assigned, so the panel listed elsewhere does not decode them.
    """
    if not published(submission.challenge):
        return []
    rows = db.session.execute(
        select(Assignment, Review)
        .join(Review, Review.assignment_id == Assignment.id)
        .where(
            Assignment.submission_id == submission.id,
            Assignment.status == ACTIVE,
            Review.status == SUBMITTED,
        )
    ).all()
    letters = judge_letters(
        [assignment.judge_id for assignment, _review in rows],
        secret=label_secret(),
        scope=f"entry:{submission.id}",
    )
    return sorted(
        ((letters[assignment.judge_id], review) for assignment, review in rows),
        key=lambda pair: (len(pair[0]), pair[0]),
    )
