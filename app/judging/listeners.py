"""What judging adds to the domains below it: the panel and the judging figures on the sponsor's page,
a contributor's scores and panel on their entry page, and which judges may open an entry's file."""

from __future__ import annotations

from typing import Any

from app.accounts.models import User
from app.challenges import hooks as challenge_hooks
from app.challenges.models import Challenge
from app.judging import panels, queries, reviews
from app.judging.dashboard import dashboard_figures
from app.judging.forms import InviteJudgeForm
from app.submissions import hooks as submission_hooks
from app.submissions.models import Submission


@challenge_hooks.manage_page.connect
def panel_and_progress(challenge: Challenge) -> dict[str, Any]:
    return {
        "invite_form": InviteJudgeForm(prefix="invite"),
        "panel": queries.panel_rows(challenge),
        **dashboard_figures(challenge),
    }


@submission_hooks.entry_page.connect
def panel_and_scores(submission: Submission) -> dict[str, Any]:
    return {
        "panel": panels.panel_judges(submission.challenge),
        "scores": reviews.my_scores(submission),
        "named": panels.named_conflicts_of(submission),
    }


@submission_hooks.file_reviewer.connect
def assigned_judge(submission: Submission, *, judge: User) -> bool:
    return reviews.may_review_file(judge, submission)
