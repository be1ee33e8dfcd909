"""Results: calibrating the judges and ranking the entries from the submitted reviews, and reading the
proposed ranking back for the sponsor's pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.challenges.lifecycle import Action, Status
from app.challenges.models import Challenge
from app.challenges.services import can_manage, lock_challenge, tell_sponsors
from app.challenges.transitions import check, transition, unless_done
from app.core import audit
from app.core.bulk import insert_rows
from app.core.errors import Conflict, PermissionDenied
from app.core.timeutil import utcnow
from app.core.transactions import atomic
from app.extensions import db
from app.judging.aggregation import UNREVIEWED, rank
from app.judging.models import (
    ACTIVE,
    SUBMITTED,
    Assignment,
    EntryResult,
    JudgeCalibration,
    Review,
)
from app.judging.ties import Tied, places
from app.submissions.models import ACTIVE as ENTRY_ACTIVE
from app.submissions.models import Submission, SubmissionVersion


def weighted_total(challenge: Challenge, scores: dict[str, int]) -> float:
    """The review's score on the rubric's scale: each criterion's score weighted by its weight."""
    total_weight = sum(criterion.weight for criterion in challenge.criteria)
    return (
        sum(criterion.weight * scores[str(criterion.id)] for criterion in challenge.criteria) / total_weight
    )


def judged_version_at(entry: Submission) -> datetime:
    """When the entry's judged (latest finalized) version arrived, which the earlier-submission tie rule reads.

    Every entry that reached the judges has one; an entry without is refused instead of crashing the ranking.
    """
    version = entry.latest
    if version is None:
        raise Conflict(f"{entry.label} has no finalized version, so it cannot be ranked.")
    return version.created_at


def _submitted_reviews(challenge: Challenge) -> list[tuple[int, int, dict[str, Any]]]:
    """(entry id, judge id, scores) of every submitted review of an active entry by an active judge.

    Plain columns, not objects: aggregation reads tens of thousands of them."""
    rows = db.session.execute(
        select(Assignment.submission_id, Assignment.judge_id, Review.scores)
        .join(Review, Review.assignment_id == Assignment.id)
        .join(Submission, Submission.id == Assignment.submission_id)
        .where(*_counted_reviews(challenge))
        .order_by(Assignment.id)
    )
    return [(entry_id, judge_id, scores) for entry_id, judge_id, scores in rows]


def _counted_reviews(challenge: Challenge) -> tuple[ColumnElement[bool], ...]:
    """Which reviews count: submitted, on an active assignment of an active entry of this challenge."""
    return (
        Assignment.challenge_id == challenge.id,
        Assignment.status == ACTIVE,
        Review.status == SUBMITTED,
        Submission.status == ENTRY_ACTIVE,
    )


def reviews_submitted(challenge: Challenge) -> int:
    """How many reviews of active entries the judges have submitted."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Assignment)
            .join(Review, Review.assignment_id == Assignment.id)
            .join(Submission, Submission.id == Assignment.submission_id)
            .where(*_counted_reviews(challenge))
        )
        or 0
    )


def _outstanding(challenge: Challenge) -> Select[Any]:
    submitted = select(Review.id).where(Review.assignment_id == Assignment.id, Review.status == SUBMITTED)
    return select(Assignment.id).where(
        Assignment.challenge_id == challenge.id, Assignment.status == ACTIVE, ~submitted.exists()
    )


def reviews_outstanding(challenge: Challenge) -> int:
    """Active assignments still without a submitted review: one aggregate query, whatever the size."""
    return db.session.scalar(select(func.count()).select_from(_outstanding(challenge).subquery())) or 0


def judging_complete(challenge: Challenge) -> bool:
    """Whether every active assignment has its submitted review: asked after each submitted review,
    so it stops at the first one still open instead of counting them all."""
    return db.session.scalar(_outstanding(challenge).limit(1)) is None


def rubric_scale(challenge: Challenge) -> tuple[float, float]:
    """The range a review's weighted total can take on this rubric."""
    total_weight = sum(criterion.weight for criterion in challenge.criteria)
    low = sum(criterion.weight * criterion.scale_min for criterion in challenge.criteria) / total_weight
    high = sum(criterion.weight * criterion.scale_max for criterion in challenge.criteria) / total_weight
    return low, high


def has_entries(challenge: Challenge) -> bool:
    """Whether any active entry arrived (the ones assignment gives judges): without one there is
    nothing to judge or rank."""
    return (
        db.session.scalar(
            select(Submission.id)
            .where(Submission.challenge_id == challenge.id, Submission.status == ENTRY_ACTIVE)
            .limit(1)
        )
        is not None
    )


def unreviewed_entries(challenge: Challenge) -> list[Submission]:
    """Active entries no judge has submitted a review of: ranking without them would drop them
    silently, so they wait for more time, more judges, or the sponsor's acceptance.

    Entries with no finalized version never reached the judges and are not listed."""
    reviewed = (
        select(Assignment.id)
        .join(Review, Review.assignment_id == Assignment.id)
        .where(
            Assignment.submission_id == Submission.id,
            Assignment.status == ACTIVE,
            Review.status == SUBMITTED,
        )
    )
    has_version = select(SubmissionVersion.id).where(SubmissionVersion.submission_id == Submission.id)
    return list(
        db.session.scalars(
            select(Submission)
            .where(
                Submission.challenge_id == challenge.id,
                Submission.status == ENTRY_ACTIVE,
                ~reviewed.exists(),
                has_version.exists(),
            )
            .order_by(Submission.alias)
        )
    )


def judged_versions_at(challenge: Challenge) -> dict[int, datetime]:
    """``judged_version_at`` for every entry of the challenge in one query: when each one's latest
    version arrived (entries without a version are absent)."""
    latest = (
        select(SubmissionVersion.submission_id, func.max(SubmissionVersion.number).label("number"))
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .where(Submission.challenge_id == challenge.id)
        .group_by(SubmissionVersion.submission_id)
        .subquery()
    )
    return dict(
        db.session.execute(
            select(SubmissionVersion.submission_id, SubmissionVersion.created_at).join(
                latest,
                (latest.c.submission_id == SubmissionVersion.submission_id)
                & (latest.c.number == SubmissionVersion.number),
            )
        ).all()
    )


@atomic
def aggregate(
    challenge_id: int,
    *,
    now: datetime | None = None,
    accepted_by: User | None = None,
) -> int:
    """Calibrate the judges, rank the entries, apply the tie rule, and propose the results; returns how
    many entries the proposal lists.

    Runs when every entry has its reviews, or at the judging deadline with what is in; running it
    again (after an extra review) replaces the previous proposal. An entry no judge reviewed is never
    left out silently: it is ranked only once the sponsor (``accepted_by``) accepts results without
    its review, and then it is listed last, flagged, and placed where no prize reaches.
    """

    now = now or utcnow()
    challenge = lock_challenge(challenge_id)
    if accepted_by is not None:
        if not can_manage(accepted_by, challenge):
            raise PermissionDenied(f"Only members of {challenge.sponsor_org.name} can accept these results.")
        unless_done(challenge, Action.ACCEPT_RESULTS)
        check(challenge, Action.ACCEPT_RESULTS)
    elif challenge.state not in (Status.JUDGING, Status.RESULTS_PROPOSED):
        raise Conflict("Results are computed only while judging or after they were proposed.")
    pairs = _submitted_reviews(challenge)
    if not pairs:
        raise Conflict(
            "No review has been submitted yet; there is nothing to rank. Extend judging or invite judges."
        )
    unreviewed = unreviewed_entries(challenge)
    if unreviewed and accepted_by is None:
        raise Conflict(
            f"{len(unreviewed)} entr{'y has' if len(unreviewed) == 1 else 'ies have'} no review yet; "
            "results wait for them, or for the sponsor to accept results without them."
        )
    first = challenge.criteria[0]
    reviews = [
        (entry_id, judge_id, weighted_total(challenge, scores)) for entry_id, judge_id, scores in pairs
    ]
    ranking = rank(reviews, scale=rubric_scale(challenge), prize_places=challenge.winners)
    first_means: dict[int, list[int]] = {}
    for entry_id, _judge_id, scores in pairs:
        first_means.setdefault(entry_id, []).append(scores[str(first.id)])
    arrived = judged_versions_at(challenge)
    placed = places(
        [
            Tied(
                row.entry_id,
                row.rank,
                row.tie_group,
                _arrived(arrived, int(row.entry_id)),
                sum(first_means[row.entry_id]) / len(first_means[row.entry_id]),
            )
            for row in ranking.entries
        ],
        challenge.tie_rule,
    )
    db.session.execute(EntryResult.__table__.delete().where(EntryResult.challenge_id == challenge.id))
    db.session.execute(
        JudgeCalibration.__table__.delete().where(JudgeCalibration.challenge_id == challenge.id)
    )
    results: list[dict[str, Any]] = [
        {
            "challenge_id": challenge.id,
            "submission_id": row.entry_id,
            "rank": row.rank,
            "place": placed[row.entry_id],
            "calibrated_score": row.calibrated_score,
            "raw_mean": row.raw_mean,
            "p_prize": row.place_probability,
            "p_first": row.p_first,
            "sd": row.sd,
            "tie_group": row.tie_group,
            "review_count": row.review_count,
            "flags": list(row.flags),
            "computed_at": now,
        }
        for row in ranking.entries
    ]
    # Unreviewed entries share the place after every ranked one, with no score of their own; even
    # when fewer entries were ranked than there are prizes, publication never pays them.
    last_place = max((row["place"] for row in results), default=0) + 1
    last_group = max((row["tie_group"] for row in results), default=0) + 1
    results += [
        {
            "challenge_id": challenge.id,
            "submission_id": entry.id,
            "rank": last_place,
            "place": last_place,
            "calibrated_score": 0.0,
            "raw_mean": 0.0,
            "p_prize": 0.0,
            "p_first": 0.0,
            "sd": 0.0,
            "tie_group": last_group,
            "review_count": 0,
            "flags": [UNREVIEWED],
            "computed_at": now,
        }
        for entry in unreviewed
    ]
    # One statement per table: rows as plain values, not one ORM object each.
    insert_rows(EntryResult.__table__, results)
    insert_rows(
        JudgeCalibration.__table__,
        [
            {
                "challenge_id": challenge.id,
                "judge_id": judge.judge_id,
                "leniency": judge.leniency,
                "scale": judge.scale,
                "noise": judge.noise,
                "relative_weight": judge.relative_weight,
                "review_count": judge.review_count,
                "computed_at": now,
            }
            for judge in ranking.judges
        ],
    )
    counts: dict[str, Any] = {"entries": len(results), "reviews": len(reviews), "unreviewed": len(unreviewed)}
    if challenge.state is Status.JUDGING:
        transition(
            challenge, Action.PROPOSE_RESULTS, actor=None, now=now, event="judging.aggregated", **counts
        )
    elif challenge.state is Status.JUDGING_OVERDUE:
        transition(
            challenge,
            Action.ACCEPT_RESULTS,
            actor=accepted_by,
            now=now,
            event="judging.results_accepted",
            **counts,
        )
    else:  # a repeated run over proposed results replaces the proposal and keeps the state
        audit.record("judging.aggregated", challenge, **counts)
    tell_sponsors(
        challenge,
        f"Proposed results: {challenge.title}",
        "The judges' scores are calibrated and a ranking is proposed. Review it, send flagged entries "
        "for an extra review if needed, then publish.",
        link=f"/judging/results/{challenge.slug}",
    )
    db.session.commit()
    return len(results)


def _arrived(arrived: dict[int, datetime], entry_id: int) -> datetime:
    """When the entry's judged version arrived; an entry without one is refused, as in ``judged_version_at``."""
    if entry_id not in arrived:
        label = db.session.scalar(select(Submission.alias).where(Submission.id == entry_id))
        raise Conflict(f"Entry {label} has no finalized version, so it cannot be ranked.")
    return arrived[entry_id]


def results_of(challenge: Challenge) -> list[EntryResult]:
    return list(
        db.session.scalars(
            select(EntryResult)
            .where(EntryResult.challenge_id == challenge.id)
            # Pages and the API show each entry's alias and, once published, its maker.
            .options(joinedload(EntryResult.submission).joinedload(Submission.contributor))
            .order_by(EntryResult.place, EntryResult.rank, EntryResult.id)
        )
    )


def published(challenge: Challenge) -> bool:
    return challenge.state in (Status.AWARDED, Status.PAID)
