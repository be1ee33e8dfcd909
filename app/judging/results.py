"""Results: calibrating the judges and ranking the entries from the submitted reviews, and reading the
proposed ranking back for the sponsor's pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.challenges.lifecycle import Action, Status
from app.challenges.models import Challenge
from app.challenges.services import lock_challenge, tell_sponsors
from app.challenges.transitions import transition
from app.core import audit
from app.core.errors import Conflict
from app.core.timeutil import utcnow
from app.core.transactions import atomic
from app.extensions import db
from app.judging.aggregation import rank
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
from app.submissions.models import Submission


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


def _submitted_reviews(challenge: Challenge) -> list[tuple[Assignment, Review]]:
    rows = db.session.execute(
        select(Assignment, Review)
        .join(Review, Review.assignment_id == Assignment.id)
        .join(Submission, Submission.id == Assignment.submission_id)
        .where(
            Assignment.challenge_id == challenge.id,
            Assignment.status == ACTIVE,
            Review.status == SUBMITTED,
            Submission.status == ENTRY_ACTIVE,
        )
    ).all()
    return [(assignment, review) for assignment, review in rows]


def reviews_outstanding(challenge: Challenge) -> int:
    """Active assignments still without a submitted review."""
    active = db.session.scalars(
        select(Assignment).where(Assignment.challenge_id == challenge.id, Assignment.status == ACTIVE)
    ).all()
    return sum(1 for row in active if not (row.review and row.review.status == SUBMITTED))


def rubric_scale(challenge: Challenge) -> tuple[float, float]:
    """The range a review's weighted total can take on this rubric."""
    total_weight = sum(criterion.weight for criterion in challenge.criteria)
    low = sum(criterion.weight * criterion.scale_min for criterion in challenge.criteria) / total_weight
    high = sum(criterion.weight * criterion.scale_max for criterion in challenge.criteria) / total_weight
    return low, high


@atomic
def aggregate(challenge_id: int, *, now: datetime | None = None) -> list[EntryResult]:
    """Calibrate the judges, rank the entries, apply the tie rule, and propose the results.

    Runs when every review is in, or at the judging deadline with what is in; running it again
    (after an extra review) replaces the previous proposal.
    """

    now = now or utcnow()
    challenge = lock_challenge(challenge_id)
    if challenge.state not in (Status.JUDGING, Status.RESULTS_PROPOSED):
        raise Conflict("Results are computed only while judging or after they were proposed.")
    pairs = _submitted_reviews(challenge)
    if not pairs:
        raise Conflict("No review has been submitted yet; there is nothing to rank.")
    first = challenge.criteria[0]
    reviews = [
        (assignment.submission_id, assignment.judge_id, weighted_total(challenge, review.scores))
        for assignment, review in pairs
    ]
    ranking = rank(reviews, scale=rubric_scale(challenge), prize_places=challenge.winners)
    first_means: dict[int, list[int]] = {}
    for assignment, review in pairs:
        first_means.setdefault(assignment.submission_id, []).append(review.scores[str(first.id)])
    entries = {
        entry.id: entry
        for entry in db.session.scalars(
            select(Submission).where(Submission.id.in_([row.entry_id for row in ranking.entries]))
        )
    }
    placed = places(
        [
            Tied(
                row.entry_id,
                row.rank,
                row.tie_group,
                judged_version_at(entries[row.entry_id]),
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
    results = [
        EntryResult(
            challenge_id=challenge.id,
            submission_id=row.entry_id,
            rank=row.rank,
            place=placed[row.entry_id],
            calibrated_score=row.calibrated_score,
            raw_mean=row.raw_mean,
            p_prize=row.place_probability,
            p_first=row.p_first,
            sd=row.sd,
            tie_group=row.tie_group,
            review_count=row.review_count,
            flags=list(row.flags),
            computed_at=now,
        )
        for row in ranking.entries
    ]
    db.session.add_all(results)
    db.session.add_all(
        JudgeCalibration(
            challenge_id=challenge.id,
            judge_id=judge.judge_id,
            leniency=judge.leniency,
            scale=judge.scale,
            noise=judge.noise,
            relative_weight=judge.relative_weight,
            review_count=judge.review_count,
            computed_at=now,
        )
        for judge in ranking.judges
    )
    if challenge.state is Status.JUDGING:
        transition(
            challenge,
            Action.PROPOSE_RESULTS,
            actor=None,
            now=now,
            event="judging.aggregated",
            entries=len(results),
            reviews=len(reviews),
        )
    else:  # a repeated run over proposed results replaces the proposal and keeps the state
        audit.record("judging.aggregated", challenge, entries=len(results), reviews=len(reviews))
    tell_sponsors(
        challenge,
        f"Proposed results: {challenge.title}",
        "The judges' scores are calibrated and a ranking is proposed. Review it, send flagged entries "
        "for an extra review if needed, then publish.",
        link=f"/judging/results/{challenge.slug}",
    )
    db.session.commit()
    return results


def results_of(challenge: Challenge) -> list[EntryResult]:
    return list(
        db.session.scalars(
            select(EntryResult)
            .where(EntryResult.challenge_id == challenge.id)
            .order_by(EntryResult.place, EntryResult.rank, EntryResult.id)
        )
    )


def calibrations_of(challenge: Challenge) -> list[JudgeCalibration]:
    return list(
        db.session.scalars(
            select(JudgeCalibration)
            .where(JudgeCalibration.challenge_id == challenge.id)
            .order_by(JudgeCalibration.judge_id)
        )
    )


def published(challenge: Challenge) -> bool:
    return challenge.state in (Status.AWARDED, Status.PAID)
