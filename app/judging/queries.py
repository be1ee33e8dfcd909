"""Read-only views of judging that pages and the API share. Nothing here changes state."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.challenges.models import Challenge
from app.extensions import db
from app.judging.labels import judge_letters
from app.judging.models import ACTIVE, Assignment, JudgeCalibration
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


def label_secret() -> bytes:
    """The key judge letters are ordered by: the app's secret, so nobody outside can recompute it."""
    return str(current_app.config["SECRET_KEY"]).encode()


def labelled_calibrations(challenge: Challenge) -> list[tuple[str, JudgeCalibration]]:
    """Each judge's calibration under their letter for this challenge, in letter order (so neither
    the letters nor the order follow the panel's order)."""
    rows = list(
        db.session.scalars(
            select(JudgeCalibration)
            .where(JudgeCalibration.challenge_id == challenge.id)
            .options(selectinload(JudgeCalibration.judge))
        )
    )
    letters = judge_letters(
        [row.judge_id for row in rows], secret=label_secret(), scope=f"challenge:{challenge.id}"
    )
    return sorted(((letters[row.judge_id], row) for row in rows), key=lambda pair: (len(pair[0]), pair[0]))
