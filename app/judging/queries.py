"""Read-only views of judging that pages and the API share. Nothing here changes state."""

from __future__ import annotations

from typing import NamedTuple

from flask import current_app
from sqlalchemy import exists, select

from app.accounts.models import User
from app.challenges.models import Challenge
from app.extensions import db
from app.judging.labels import judge_letters
from app.judging.models import ACCEPTED, ACTIVE, Assignment, JudgeCalibration, PanelMember
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


class Calibration(NamedTuple):
    """How one judge scored on a challenge, as the calibration estimated it, with the judge's name:
    plain values, so the sponsor's pages and the API read the judges in one statement."""

    judge_id: int
    judge_name: str
    leniency: float
    scale: float
    noise: float
    relative_weight: float
    review_count: int


def calibrations(challenge: Challenge) -> list[Calibration]:
    """Every judge's calibration on the challenge, by judge id."""
    rows = db.session.execute(
        select(
            JudgeCalibration.judge_id,
            User.display_name,
            JudgeCalibration.leniency,
            JudgeCalibration.scale,
            JudgeCalibration.noise,
            JudgeCalibration.relative_weight,
            JudgeCalibration.review_count,
        )
        .join(User, User.id == JudgeCalibration.judge_id)
        .where(JudgeCalibration.challenge_id == challenge.id)
        .order_by(JudgeCalibration.judge_id)
    )
    return [Calibration(*row) for row in rows]


def labelled_calibrations(challenge: Challenge) -> list[tuple[str, Calibration]]:
    """Each judge's calibration under their letter for this challenge, in letter order (so neither
    the letters nor the order follow the panel's order)."""
    rows = calibrations(challenge)
    letters = judge_letters(
        [row.judge_id for row in rows], secret=label_secret(), scope=f"challenge:{challenge.id}"
    )
    return sorted(((letters[row.judge_id], row) for row in rows), key=lambda pair: (len(pair[0]), pair[0]))


class PanelRow(NamedTuple):
    """One person invited to a challenge's panel, as the sponsor's panel table lists them."""

    judge_id: int
    judge_name: str
    judge_email: str
    status: str
    max_load: int | None


def panel_rows(challenge: Challenge) -> list[PanelRow]:
    """The panel in invitation order, with each judge's name and address read in the same statement."""
    rows = db.session.execute(
        select(PanelMember.judge_id, User.display_name, User.email, PanelMember.status, PanelMember.max_load)
        .join(User, User.id == PanelMember.judge_id)
        .where(PanelMember.challenge_id == challenge.id)
        .order_by(PanelMember.id)
    )
    return [PanelRow(*row) for row in rows]


def on_panel(challenge: Challenge, user: User) -> bool:
    """Whether ``user`` accepted a place on the challenge's panel (one indexed lookup, no judge loaded)."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    PanelMember.challenge_id == challenge.id,
                    PanelMember.judge_id == user.id,
                    PanelMember.status == ACCEPTED,
                )
            )
        )
    )
