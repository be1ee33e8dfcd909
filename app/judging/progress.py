"""Read-only figures for the sponsor's dashboard: how far each judge is, and how each one scores.

Judges are named here (the sponsor invited them); entries appear only as counts, never by maker.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from operator import add

from sqlalchemy import case, func, literal, select

from app.accounts.models import User
from app.challenges.models import Challenge
from app.core.charts import Bin, counted_histogram
from app.extensions import db
from app.judging.models import ACTIVE, SUBMITTED, Assignment, Review
from app.judging.queries import Calibration
from app.judging.results import rubric_scale

SCORE_BINS = 5


@dataclass(frozen=True)
class JudgeProgress:
    """One judge's share of the work on a challenge, and how they have scored so far."""

    judge_id: int
    judge_name: str
    assigned: int
    submitted: int
    drafts: int
    score_bins: tuple[Bin, ...]
    leniency: float | None  # from the last calibration; None before results are computed

    @property
    def percent_done(self) -> int:
        return round(100 * self.submitted / self.assigned) if self.assigned else 0


def judge_progress(challenge: Challenge, calibrations: Sequence[Calibration]) -> list[JudgeProgress]:
    """Every judge with an active assignment, by name: assigned, submitted, drafts, score histogram.

    One statement answers it: the database weighs each submitted review's scores into its rubric total
    (``results.weighted_total``'s sum) and counts the assignments per judge, review status and total,
    so a page reads a few dozen rows, not every review, and decodes no review's JSON. ``calibrations``
    are the challenge's, which the caller has already read for its own chart.
    """
    criteria = challenge.criteria
    if not criteria:
        return []
    # A submitted review scores every criterion (reviews._checked_scores refuses one that does not).
    total_weight = sum(criterion.weight for criterion in criteria)
    weighted = reduce(
        add,
        [
            literal(float(criterion.weight)) * Review.scores[str(criterion.id)].as_float()
            for criterion in criteria
        ],
    ) / literal(float(total_weight))
    per_assignment = (
        select(
            Assignment.judge_id.label("judge_id"),
            User.display_name.label("name"),
            Review.status.label("status"),  # None: no review started
            case((Review.status == SUBMITTED, weighted)).label("total"),
        )
        .join(User, User.id == Assignment.judge_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.challenge_id == challenge.id, Assignment.status == ACTIVE)
        .subquery()
    )
    grouped = (
        per_assignment.c.judge_id,
        per_assignment.c.name,
        per_assignment.c.status,
        per_assignment.c.total,
    )
    names: dict[int, str] = {}
    assigned: Counter[int] = Counter()
    submitted: Counter[int] = Counter()
    drafts: Counter[int] = Counter()
    scores: dict[int, list[tuple[float, int]]] = {}
    for judge_id, name, status, total, count in db.session.execute(
        select(*grouped, func.count()).group_by(*grouped)
    ):
        names[judge_id] = name
        assigned[judge_id] += count
        if status == SUBMITTED:
            submitted[judge_id] += count
            scores.setdefault(judge_id, []).append((total, count))
        elif status is not None:
            drafts[judge_id] += count
    low, high = rubric_scale(challenge)
    leniency = leniency_against_panel(calibrations)
    result = [
        JudgeProgress(
            judge_id=judge_id,
            judge_name=name,
            assigned=assigned[judge_id],
            submitted=submitted[judge_id],
            drafts=drafts[judge_id],
            score_bins=counted_histogram(
                scores.get(judge_id, []), low, high if high > low else low + 1, SCORE_BINS
            ),
            leniency=leniency.get(judge_id),
        )
        for judge_id, name in names.items()
    ]
    return sorted(result, key=lambda row: (row.judge_name.lower(), row.judge_id))


def leniency_against_panel(calibrations) -> dict[int, float]:
    """Each judge's leniency as points above (+) or below (-) the panel's mean.

    The model's leniency is the score a judge gives an average entry, so on its own it mostly says
    where the scale sits; people compare judges with each other.
    """
    if not calibrations:
        return {}
    centre = sum(row.leniency for row in calibrations) / len(calibrations)
    return {row.judge_id: row.leniency - centre for row in calibrations}
