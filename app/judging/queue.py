"""A judge's review queue, read as plain rows: per challenge its progress from one aggregate
statement, and one page of its entries from another, however many challenges and entries there are.

The queue page used to load every assignment as an ORM object with its entry, challenge, review and
their JSON columns, twice, and printed all of them: at 500 assignments that cost about 150 ms a
request and made a list nobody could work through. Progress needs only counts; a page needs only the
assignment id, the alias, the title and the review's status.

Entries come in the order they were assigned, not unscored first: scoring an entry then never moves
the others between pages, so page 3 still holds what it held, and the "Next unscored entry" button
(and the entry page's own) already leads to the next one waiting.

The JSON API's queue (``api.review_queue``) leaves out the entries the judge conflicts with, which
takes the entries themselves (their makers and organisations), so it still reads them whole through
``reviews.assignments_of``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, case, func, or_, select

from app.challenges.lifecycle import Status
from app.challenges.models import Challenge
from app.core.paging import read_page
from app.extensions import db
from app.judging.models import ACTIVE, SUBMITTED, Assignment, Review
from app.submissions.models import Submission

PER_PAGE = 50

# The challenges whose queues a judge works through (the same as ``reviews.assignments_of``).
BEING_JUDGED = (Status.JUDGING.value, Status.RESULTS_PROPOSED.value)


@dataclass(frozen=True)
class Progress:
    """One challenge in a judge's queue: how many entries it gives them and how many they scored."""

    challenge_id: int
    title: str
    judging_due_at: datetime | None
    total: int
    scored: int
    first_unscored: int | None  # the first assignment, by id, without a submitted review


@dataclass(frozen=True)
class QueueRow:
    """One entry in the queue, by alias: what its line shows and where its link goes."""

    assignment_id: int
    challenge_id: int
    alias: str
    title: str
    review_status: str | None  # None while the judge has not started a review

    @property
    def label(self) -> str:
        return f"Entry {self.alias}"


def _active_queue(judge_id: int):
    """The judge's active assignments on challenges being judged, as a FROM clause with conditions."""
    return (
        Assignment.judge_id == judge_id,
        Assignment.status == ACTIVE,
        Challenge.status.in_(BEING_JUDGED),
    )


def progress(judge_id: int) -> list[Progress]:
    """Per challenge, nearest judging deadline first: the judge's entries and how many are scored
    (a submitted review; a draft is not scored). One statement."""
    scored = func.count(Review.id).filter(Review.status == SUBMITTED)
    first_unscored = func.min(case((_unscored(), Assignment.id)))
    rows = db.session.execute(
        select(
            Challenge.id,
            Challenge.title,
            Challenge.judging_due_at,
            func.count(Assignment.id),
            scored,
            first_unscored,
        )
        .select_from(Assignment)
        .join(Challenge, Challenge.id == Assignment.challenge_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(*_active_queue(judge_id))
        .group_by(Challenge.id)
        .order_by(Challenge.judging_due_at, func.min(Assignment.id))
    )
    return [Progress(*row) for row in rows]


def entries(judge_id: int, offsets: Mapping[int, int], per_page: int = PER_PAGE) -> dict[int, list[QueueRow]]:
    """For each challenge in ``offsets`` (challenge id → rows to skip), its next ``per_page`` entries
    in assignment order, in one statement: each row is numbered within its challenge, and each
    challenge keeps the rows of the page asked."""
    if not offsets:
        return {}
    position = (
        func.row_number().over(partition_by=Assignment.challenge_id, order_by=Assignment.id).label("position")
    )
    numbered = (
        select(
            Assignment.id.label("assignment_id"),
            Assignment.challenge_id.label("challenge_id"),
            Submission.alias.label("alias"),
            Submission.title.label("title"),
            Review.status.label("review_status"),
            position,
        )
        .join(Challenge, Challenge.id == Assignment.challenge_id)
        .join(Submission, Submission.id == Assignment.submission_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(*_active_queue(judge_id), Assignment.challenge_id.in_(list(offsets)))
        .subquery()
    )
    wanted = or_(
        *(
            and_(
                numbered.c.challenge_id == challenge_id,
                numbered.c.position.between(skip + 1, skip + per_page),
            )
            for challenge_id, skip in offsets.items()
        )
    )
    found: dict[int, list[QueueRow]] = {challenge_id: [] for challenge_id in offsets}
    rows = db.session.execute(
        select(
            numbered.c.assignment_id,
            numbered.c.challenge_id,
            numbered.c.alias,
            numbered.c.title,
            numbered.c.review_status,
        )
        .where(wanted)
        .order_by(numbered.c.challenge_id, numbered.c.position)
    )
    for row in rows:
        found[row.challenge_id].append(QueueRow(*row))
    return found


def _unscored():
    return or_(Review.id.is_(None), Review.status != SUBMITTED)


def first_unscored(sections: list[Progress]) -> int | None:
    """What ``next_unscored(judge_id)`` answers, from the progress already read: the first entry
    without a submitted review in queue order (nearest deadline first, then assignment order)."""
    waiting = [section for section in sections if section.first_unscored is not None]
    if not waiting:
        return None
    # PostgreSQL sorts a missing deadline last; so does this.
    first = min(
        waiting,
        key=lambda s: (
            s.judging_due_at is None,
            s.judging_due_at or datetime.min.replace(tzinfo=UTC),
            s.first_unscored,
        ),
    )
    return first.first_unscored


def next_unscored(judge_id: int, *, after: int | None = None) -> int | None:
    """The next assignment without a submitted review in queue order (nearest deadline first, then
    assignment order): the first one after ``after`` if there is one, else the first other than it.
    One statement that returns one row."""
    query = (
        select(Assignment.id)
        .join(Challenge, Challenge.id == Assignment.challenge_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(*_active_queue(judge_id), _unscored())
        .limit(1)
    )
    if after is None:
        return db.session.scalar(query.order_by(Challenge.judging_due_at, Assignment.id))
    later_first = case((Assignment.id > after, 0), else_=1)
    return db.session.scalar(
        query.where(Assignment.id != after).order_by(later_first, Challenge.judging_due_at, Assignment.id)
    )


@dataclass(frozen=True)
class QueuePage:
    """One challenge's section of the queue page: its progress and the page of entries shown."""

    progress: Progress
    page: int
    pages: int
    rows: list[QueueRow]

    @property
    def first(self) -> int:
        """The position (from 1) of the first entry shown, in the challenge's assignment order."""
        return (self.page - 1) * PER_PAGE + 1

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1


def page_param(challenge_id: int) -> str:
    """The query parameter holding the page a challenge's section shows: one pager per challenge."""
    return f"page-{challenge_id}"


def queue_pages(judge_id: int, args: Mapping[str, str]) -> tuple[list[QueuePage], list[str]]:
    """The judge's queue as the page shows it, each challenge at the page ``args`` ask for (the
    first when not asked, the last when asked past it), and for people the problems with what was
    asked. Two statements, however many challenges and entries (``first_unscored`` of the first
    list gives the "Next unscored entry" button without a third)."""
    sections = progress(judge_id)
    problems: list[str] = []
    chosen: dict[int, tuple[Progress, int, int]] = {}
    for section in sections:
        pages = max(1, -(-section.total // PER_PAGE))
        asked = read_page(args.get(page_param(section.challenge_id)))
        number = asked.number
        if asked.problem:
            problems.append(f"“{section.title}”: {asked.problem}")
        if number > pages:
            number = pages
            problems.append(
                f"“{section.title}” has {pages} page{'' if pages == 1 else 's'} of entries; showing the last."
            )
        chosen[section.challenge_id] = (section, number, pages)
    rows = entries(
        judge_id, {challenge_id: (number - 1) * PER_PAGE for challenge_id, (_, number, _) in chosen.items()}
    )
    return [
        QueuePage(section, number, pages, rows[challenge_id])
        for challenge_id, (section, number, pages) in chosen.items()
    ], problems
