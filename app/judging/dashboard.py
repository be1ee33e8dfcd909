"""The figures on a sponsor's challenge dashboard, gathered in one place for the manage page."""

from __future__ import annotations

from typing import Any

from app.challenges.models import Challenge
from app.challenges.presenters import time_left
from app.core.timefmt import humanize_delta
from app.core.timeutil import utcnow
from app.judging import queries
from app.judging import results as judging_results
from app.judging.progress import judge_progress
from app.judging.results_table import result_rows
from app.submissions.services import entry_counts


def dashboard_figures(challenge: Challenge) -> dict[str, Any]:
    """The funnel (entries, reviews in, judged share, time left), each judge's progress and scoring,
    and the proposed results with the judges' calibration, as template variables."""
    calibrations = queries.calibrations(challenge)
    progress = judge_progress(challenge, calibrations)
    assigned = sum(row.assigned for row in progress)
    submitted = sum(row.submitted for row in progress)
    judging_now = challenge.status in ("judging", "judging_overdue", "results_proposed")
    left = judging_time_left(challenge) if judging_now else time_left(challenge)
    return {
        "entries": entry_counts([challenge.id]).get(challenge.id, 0),
        "judged": {
            "assigned": assigned,
            "submitted": submitted,
            "percent": round(100 * submitted / assigned) if assigned else 0,
        },
        "time_left_text": left,
        "progress": progress,
        "results": result_rows(challenge, published=judging_results.published(challenge)),
        "calibrations": calibrations,
        "judge_labels": {row.judge_id: row.judge_name for row in calibrations},
        "outstanding": judging_results.reviews_outstanding(challenge) if challenge.status == "judging" else 0,
    }


def judging_time_left(challenge: Challenge) -> str:
    """How long the judges still have: "due in 3 days"."""
    now = utcnow()
    if challenge.judging_due_at > now:
        return f"due {humanize_delta(challenge.judging_due_at, now)}"
    return "judging deadline passed"
