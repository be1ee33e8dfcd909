"""Results over the API: the proposed ranking for the sponsor, publishing it, the published ranking.

Before publication entries appear by alias only. The sponsor's team and admins see the proposal;
after publication they, and the judges of the panel, see the final ranking with each entry's maker.
Judges appear only as "Judge A", "Judge B"… with their calibration.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.accounts.models import User
from app.api.challenges import managed_challenge, visible_challenge
from app.api.registry import operation
from app.api.schemas import Output
from app.awards import publication
from app.challenges import services as challenges
from app.challenges.lifecycle import Status
from app.challenges.models import Challenge
from app.core.errors import PermissionDenied
from app.judging import panels
from app.judging import queries as judging_queries
from app.judging import results as judging_results

TAG = "results"


class MakerOut(Output):
    display_name: str


class RankedEntryOut(Output):
    submission_id: int
    alias: str
    title: str
    place: int = Field(description="after the challenge's tie rule; equal places share prizes")
    rank: int
    tie_group: int
    calibrated_score: float
    raw_mean: float
    p_prize: float = Field(description="probability of finishing in the prize places")
    p_first: float
    sd: float
    review_count: int
    flags: list[str]
    maker: MakerOut | None = Field(description="null until the results are published")


class JudgeCalibrationOut(Output):
    label: str = Field(description="Judge A, Judge B…")
    leniency: float
    scale: float
    noise: float
    relative_weight: float
    review_count: int


class ResultsOut(Output):
    challenge_id: int
    state: Literal["pending", "proposed", "published"]
    outstanding_reviews: int
    entries: list[RankedEntryOut]
    judges: list[JudgeCalibrationOut]


def _state(challenge: Challenge, has_results: bool) -> str:
    if judging_results.published(challenge):
        return "published"
    return "proposed" if has_results and challenge.state is Status.RESULTS_PROPOSED else "pending"


def results_out(challenge: Challenge) -> ResultsOut:
    published = judging_results.published(challenge)
    rows = judging_results.results_of(challenge)
    return ResultsOut(
        challenge_id=challenge.id,
        state=_state(challenge, bool(rows)),
        outstanding_reviews=judging_results.reviews_outstanding(challenge),
        entries=[
            RankedEntryOut(
                submission_id=row.submission_id,
                alias=row.submission.alias,
                title=row.submission.title,
                place=row.place,
                rank=row.rank,
                tie_group=row.tie_group,
                calibrated_score=row.calibrated_score,
                raw_mean=row.raw_mean,
                p_prize=row.p_prize,
                p_first=row.p_first,
                sd=row.sd,
                review_count=row.review_count,
                flags=list(row.flags),
                maker=MakerOut(display_name=row.submission.contributor.display_name) if published else None,
            )
            for row in rows
        ],
        judges=[
            JudgeCalibrationOut(
                label=label,
                leniency=row.leniency,
                scale=row.scale,
                noise=row.noise,
                relative_weight=row.relative_weight,
                review_count=row.review_count,
            )
            for label, row in judging_queries.labelled_calibrations(challenge)
        ],
    )


def _may_see(user: User, challenge: Challenge) -> bool:
    if challenges.can_manage(user, challenge):
        return True
    return judging_results.published(challenge) and any(
        judge.id == user.id for judge in panels.panel_judges(challenge)
    )


@operation(
    "GET",
    "/challenges/<id:challenge_id>/results",
    summary="Get the proposed or published ranking",
    tag=TAG,
    response=ResultsOut,
    errors=(401, 403, 404),
)
def get_results(challenge_id: int, user: User) -> ResultsOut:
    """The sponsor's team and admins at any time (by alias until published); the panel's judges
    once published. Everyone else: 403 (404 for a draft they cannot see)."""
    challenge = visible_challenge(challenge_id, user)
    if not _may_see(user, challenge):
        raise PermissionDenied(f"Only members of {challenge.sponsor_org.name} can see these results.")
    return results_out(challenge)


@operation(
    "POST",
    "/challenges/<id:challenge_id>/results/publish",
    summary="Publish the proposed ranking",
    tag=TAG,
    response=ResultsOut,
    errors=(401, 403, 404, 409),
)
def publish_results(challenge_id: int, user: User) -> ResultsOut:
    """Prizes move from escrow to the winners, makers are revealed, contributors are told."""
    challenge = managed_challenge(challenge_id, user)
    return results_out(publication.publish_results(challenge.id, user))
