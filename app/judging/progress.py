"""Read-only figures for the sponsor's dashboard: how far each judge is, and how each one scores.

Judges are named here (the sponsor invited them); entries appear only as counts, never by maker.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

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
    """Every judge with an active assignment, by name: assigned, submitted, drafts, score histogram.

    Counted in SQL per judge; only the submitted reviews' scores are read, for the histograms.
    """
    counts = db.session.execute(
        select(
            Assignment.judge_id,
            func.count(Assignment.id),
            func.coalesce(func.sum(case((Review.status == SUBMITTED, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Review.status != SUBMITTED, 1), else_=0)), 0),
        )
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.challenge_id == challenge.id, Assignment.status == ACTIVE)
        .group_by(Assignment.judge_id)
    ).all()
    if not counts or not challenge.criteria:
        return []
    scores: dict[int, list[float]] = {}
    for judge_id, review_scores in db.session.execute(
        select(Assignment.judge_id, Review.scores)
        .join(Review, Review.assignment_id == Assignment.id)
        .where(
            Assignment.challenge_id == challenge.id,
            Assignment.status == ACTIVE,
            Review.status == SUBMITTED,
        )
    ):
        scores.setdefault(judge_id, []).append(weighted_total(challenge, review_scores))
    judges = {
        judge.id: judge
        for judge in db.session.scalars(select(User).where(User.id.in_([row[0] for row in counts])))
    }
    low, high = rubric_scale(challenge)
    leniency = leniency_against_panel(calibrations_of(challenge))
    result = [
        JudgeProgress(
            judge=judges[judge_id],
            assigned=assigned,
            submitted=int(submitted),
            drafts=int(drafts),
            score_bins=histogram(scores.get(judge_id, []), low, high if high > low else low + 1, SCORE_BINS),
            leniency=leniency.get(judge_id),
        )
        for judge_id, assigned, submitted, drafts in counts
    ]
    return sorted(result, key=lambda row: (row.judge.display_name.lower(), row.judge.id))


def leniency_against_panel(calibrations) -> dict[int, float]:
    """Each judge's leniency as points above (+) or below (-) the panel's mean.

    The model's leniency is the score a judge gives an average entry, so on its own it mostly says
    where the scale sits; people compare judges with each other.
    """
    if not calibrations:
        return {}
    centre = sum(row.leniency for row in calibrations) / len(calibrations)
    return {row.judge_id: row.leniency - centre for row in calibrations}
