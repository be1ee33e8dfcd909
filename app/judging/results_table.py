"""The results table's rows as plain data, read in one statement: the entry by alias (its maker's name
only once the results are published), the evidence, and whether its tie group is worth naming.

Pages get these rows, not ORM objects, so rendering the table never reaches back into the database,
and the tie check is one pass over the rows instead of a comparison of every row with every other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.accounts.models import User
from app.challenges.models import Challenge
from app.extensions import db
from app.judging.models import EntryResult
from app.submissions.models import Submission


@dataclass(frozen=True)
class ResultRow:
    submission_id: int
    label: str  # "Entry K7QF"
    title: str
    maker: str | None  # who made it: None until the results are published
    place: int
    rank: int
    tie_group: int
    shows_tie_group: bool  # tied with another entry, or placed apart from its rank by the tie rule
    calibrated_score: float
    raw_mean: float
    p_prize: float
    review_count: int
    flags: tuple[str, ...]


def tie_group_sizes(groups: Iterable[int]) -> Counter[int]:
    """How many entries share each tie group."""
    return Counter(groups)


def result_rows(challenge: Challenge, *, published: bool) -> list[ResultRow]:
    """The challenge's ranking in place order; makers are read only when ``published``."""
    query = (
        select(EntryResult)
        .join(Submission, Submission.id == EntryResult.submission_id)
        .where(EntryResult.challenge_id == challenge.id)
        .order_by(EntryResult.place, EntryResult.rank, EntryResult.id)
    )
    if published:
        query = query.join(User, User.id == Submission.contributor_id).options(
            contains_eager(EntryResult.submission).contains_eager(Submission.contributor)
        )
    else:
        query = query.options(contains_eager(EntryResult.submission))
    results = list(db.session.scalars(query))
    sizes = tie_group_sizes(result.tie_group for result in results)
    return [
        ResultRow(
            submission_id=result.submission_id,
            label=result.submission.label,
            title=result.submission.title,
            maker=result.submission.contributor.display_name if published else None,
            place=result.place,
            rank=result.rank,
            tie_group=result.tie_group,
            shows_tie_group=result.rank != result.place or sizes[result.tie_group] > 1,
            calibrated_score=result.calibrated_score,
            raw_mean=result.raw_mean,
            p_prize=result.p_prize,
            review_count=result.review_count,
            flags=tuple(result.flags),
        )
        for result in results
    ]
