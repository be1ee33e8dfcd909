"""What the marketplace adds to the domains below it: the manager-approval request on a challenge's page
and the approval check before an entry, the approvals and surveys beside a contributor's entries, and the
outcome survey sent once results are published."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app import jobs
from app.accounts.models import User
from app.accounts.services import is_internal
from app.awards import hooks as award_hooks
from app.challenges import hooks as challenge_hooks
from app.challenges.models import Challenge
from app.core.access import Role
from app.marketplace import services as marketplace
from app.marketplace.forms import ApprovalRequestForm
from app.submissions import hooks as submission_hooks


@challenge_hooks.challenge_page.connect
def approval_request(challenge: Challenge, *, viewer: User | None, now: datetime) -> dict[str, Any]:
    """For an internal contributor on a challenge that needs approval: their request and the form."""
    if (
        viewer is None
        or not challenge.requires_manager_approval
        or not viewer.has_role(Role.CONTRIBUTOR)
        or not is_internal(viewer)
    ):
        return {"approval_shown": False}
    form = ApprovalRequestForm(formdata=None)
    form.hours_per_week.data = challenge.expected_hours_per_week
    form.approver_email.data = viewer.manager.email if viewer.manager else ""
    return {
        "approval_shown": True,
        "approval": marketplace.approval_for(challenge, viewer),
        "approval_form": form,
        "may_request": challenge.status in ("funded", "open"),
    }


@submission_hooks.manager_approval.connect
def approved(challenge: Challenge, *, user: User) -> bool:
    return marketplace.has_approval(user, challenge)


@submission_hooks.my_entries_page.connect
def approvals_and_surveys(contributor: User) -> dict[str, Any]:
    return {
        "approvals": marketplace.approvals_of(contributor),
        "surveys": marketplace.open_surveys_of(contributor),
    }


@award_hooks.results_published.connect
def send_outcome_surveys(challenge: Challenge, *, actor: User) -> None:
    """Every participant gets the short outcome survey, by a job once publication commits."""
    jobs.enqueue(
        "app.marketplace.jobs:send_outcome_surveys",
        challenge.id,
        subject=challenge,
        started_by=actor,
        commit=False,
    )
