"""Read-only figures for the sponsor's dashboard: how far each judge is, and how each one scores.

Judges are named here (the sponsor invited them); entries appear only as counts, never by maker.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.accounts.models import User
from app.challenges.models import Challenge
from app.core.charts import Bin, histogram
from app.extensions import db
from app.judging.models import ACTIVE, SUBMITTED, Assignment, Review
from app.judging.results import calibrations_of, rubric_scale, weighted_total

SCORE_BINS = 5


@dataclass(frozen=True)
class JudgeProgress:
    """One judge's share of the work on a challenge, and how they have scored so far."""

    judge: User
    assigned: int
    submitted: int
    drafts: int
    score_bins: tuple[Bin, ...]
    leniency: float | None  # from the last calibration; None before results are computed

    @property
    def percent_done(self) -> int:
        return round(100 * self.submitted / self.assigned) if self.assigned else 0


def judge_progress(challenge: Challenge) -> list[JudgeProgress]:
    """Every judge with an active assignment, by name: assigned, submitted, drafts, score histogram."""
    rows = db.session.execute(
        select(Assignment, Review)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.challenge_id == challenge.id, Assignment.status == ACTIVE)
        .order_by(Assignment.judge_id, Assignment.id)
    ).all()
    if not rows or not challenge.criteria:
        return []
    low, high = rubric_scale(challenge)
    leniency = leniency_against_panel(calibrations_of(challenge))
    by_judge: dict[int, list[tuple[Assignment, Review | None]]] = {}
    for assignment, review in rows:
        by_judge.setdefault(assignment.judge_id, []).append((assignment, review))
    result = []
    for judge_id, pairs in by_judge.items():
        submitted = [review for _, review in pairs if review is not None and review.status == SUBMITTED]
        result.append(
            JudgeProgress(
                judge=pairs[0][0].judge,
                assigned=len(pairs),
                submitted=len(submitted),
                drafts=sum(1 for _, review in pairs if review is not None and review.status != SUBMITTED),
                score_bins=histogram(
                    [weighted_total(challenge, review.scores) for review in submitted],
                    low,
                    high if high > low else low + 1,
                    SCORE_BINS,
                ),
                leniency=leniency.get(judge_id),
            )
        )
    return sorted(result, key=lambda row: row.judge.display_name.lower())


def leniency_against_panel(calibrations) -> dict[int, float]:
    """Each judge's leniency as points above (+) or below (-) the panel's mean.

    The model's leniency is the score a judge gives an average entry, so on its own it mostly says
    where the scale sits; people compare judges with each other.
    """
    if not calibrations:
        return {}
    centre = sum(row.leniency for row in calibrations) / len(calibrations)
    return {row.judge_id: row.leniency - centre for row in calibrations}
