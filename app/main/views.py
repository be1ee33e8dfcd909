"""The landing page and the role homes users arrive at after signing in."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from app import jobs
from app.accounts import queries as account_queries
from app.accounts import services as account_services
from app.accounts.navigation import home_endpoint
from app.challenges import queries as challenge_queries
from app.challenges import services as challenge_services
from app.core.access import Role, role_required
from app.core.money import format_money
from app.judging import queue
from app.ledger.services import organization_balances
from app.main import bp
from app.submissions import services as submission_services

RECENT_JOBS = 10
LATEST_SUBMISSIONS = 5


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    return render_template("main/index.html")


@bp.route("/admin")
@role_required(Role.ADMIN)
def admin_home():
    counts = {
        "users": account_queries.user_count(),
        "organizations": account_queries.organization_count(),
        "jobs": jobs.job_count(),
    }
    return render_template(
        "main/admin_home.html",
        counts=counts,
        recent_jobs=jobs.recent_job_records(limit=RECENT_JOBS),
        failed_count=jobs.failed_job_count(),
        organizations=account_queries.organizations_by_name(),
        members=account_queries.member_counts(),
    )


@bp.route("/sponsor")
@role_required(Role.SPONSOR)
def sponsor_home():
    organization = current_user.organization
    challenges = challenge_services.challenges_of(organization.id) if organization else []
    escrow = challenge_queries.escrow_balances(challenges)
    return render_template(
        "main/sponsor_home.html",
        organization=organization,
        entries=submission_services.entry_counts([challenge.id for challenge in challenges]),
        rows=[(challenge, escrow[challenge.id]) for challenge in challenges],
        balances=organization_balances(organization.id) if organization else {},
        format_money=format_money,
    )


@bp.route("/judge")
@role_required(Role.JUDGE)
def judge_home():
    sections, problems = queue.queue_pages(current_user.id, request.args)
    # Each pager keeps the other challenges at the page they show, so paging one moves no other.
    shown = {queue.page_param(s.progress.challenge_id): s.page for s in sections if s.page > 1}
    base = url_for("main.judge_home")

    def page_url(challenge_id: int, number: int) -> str:
        key = queue.page_param(challenge_id)
        args = {k: v for k, v in shown.items() if k != key} | ({key: number} if number > 1 else {})
        return f"{base}?{urlencode(args)}#queue-{challenge_id}" if args else f"{base}#queue-{challenge_id}"

    return render_template(
        "main/judge_home.html",
        sections=sections,
        problems=problems,
        page_url=page_url,
        next_id=queue.first_unscored([section.progress for section in sections]),
        entry_url=url_for("judging.entry", assignment_id=0).removesuffix("0"),
    )


@bp.route("/contributor")
@role_required(Role.CONTRIBUTOR)
def contributor_home():
    return render_template(
        "main/contributor_home.html",
        is_internal=account_services.is_internal(current_user),
        submissions=submission_services.submissions_of(current_user, limit=LATEST_SUBMISSIONS),
    )
