"""Reads of submissions that the pages and the API share. Nothing here changes state."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from app.submissions.models import Submission


def own_submissions(contributor_id: int) -> Select[Submission]:
    """A contributor's submissions, newest first, each with its challenge and versions loaded in a
    fixed number of statements however many there are."""
    return (
        select(Submission)
        .where(Submission.contributor_id == contributor_id)
        .options(joinedload(Submission.challenge), selectinload(Submission.versions))
        .order_by(Submission.id.desc())
    )
