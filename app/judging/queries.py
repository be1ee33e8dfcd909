"""Read-only views of judging that pages and the API share. Nothing here changes state."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.judging.models import ACTIVE, Assignment
from app.submissions.models import Submission


def active_assignment_by_alias(challenge_id: int, alias: str, judge_id: int) -> Assignment | None:
    """The judge's active assignment to the entry with this alias in this challenge, if any.

    Aliases are stored upper-case; ``alias`` may come in either case. Whether the judge may open the
    entry (no conflict since) is ``reviews.assignment_for``'s to say.
    """
    return db.session.scalar(
        select(Assignment)
        .join(Submission, Submission.id == Assignment.submission_id)
        .where(
            Submission.challenge_id == challenge_id,
            Submission.alias == alias.upper(),
            Assignment.judge_id == judge_id,
            Assignment.status == ACTIVE,
        )
    )
