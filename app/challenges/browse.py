"""Public pages: the challenge list with filters and search, and a challenge's own page."""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import Role
from app.challenges import bp, presenters, queries
from app.challenges import services as challenge_services
from app.challenges.filetypes import describe as describe_file_types
from app.challenges.markdown import render_markdown
from app.challenges.models import Challenge
from app.errors import NotFound
from app.extensions import db
from app.submissions import services as submissions
from app.timeutil import utcnow

PER_PAGE = 12


@bp.context_processor
def challenge_helpers() -> dict[str, object]:
    return {
        "time_left": presenters.time_left,
        "eligibility_badge": presenters.eligibility_badge,
        "ordinal": presenters.ordinal,
        "percent": presenters.percent,
    }


@bp.route("/")
def browse():
    skills = db.session.scalars(queries.listed_skills()).all()
    filters = queries.parse_filters(request.args.to_dict(flat=False), [skill.slug for skill in skills])
    query = queries.challenge_list(filters).options(selectinload(Challenge.skills))
    page = db.paginate(query, page=filters.page, per_page=PER_PAGE, error_out=False)
    problems = list(filters.problems)
    if page.total and filters.page > page.pages:
        problems.append(f"There is no page {filters.page}; showing the last page.")
        page = db.paginate(query, page=page.pages, per_page=PER_PAGE, error_out=False)

    def page_url(number: int) -> str:
        return url_for("challenges.browse", **filters.query_args(), page=number)

    return render_template(
        "challenges/list.html",
        page=page,
        filters=filters,
        problems=problems,
        skills=skills,
        page_url=page_url,
        now=utcnow(),
        status_choices=queries.STATUS_FILTER_LABELS,
        eligibility_choices=presenters.BADGES,
        sort_choices=queries.SORTS,
    )


@bp.route("/<slug>")
def detail(slug: str):
    challenge = db.session.scalar(
        select(Challenge)
        .where(Challenge.slug == slug)
        .options(selectinload(Challenge.criteria), selectinload(Challenge.skills))
    )
    if challenge is None or not challenge_services.may_view(current_user, challenge):
        raise NotFound("There is no challenge at this address.")
    now = utcnow()
    viewer = current_user if current_user.is_authenticated else None
    return render_template(
        "challenges/detail.html",
        **_approval_context(challenge, viewer),
        challenge=challenge,
        now=now,
        # The page's sections are <h2>, so the sponsor's own headings start at <h3>.
        brief_html=render_markdown(challenge.brief_md, heading_offset=2),
        rules_html=render_markdown(challenge.rules_md, heading_offset=2),
        prizes=presenters.prize_table(challenge),
        tie_rule=presenters.tie_rule_explanation(challenge),
        unawarded_rule=presenters.unawarded_rule_explanation(challenge),
        timeline=presenters.timeline(challenge, now),
        eligibility=presenters.eligibility_explanation(challenge, viewer),
        max_file_size=presenters.human_bytes(challenge.max_file_bytes),
        file_types=describe_file_types(challenge.allowed_types),
        total_weight=sum(criterion.weight for criterion in challenge.criteria),
        grace_minutes=int(current_app.config["SUBMISSION_GRACE"].total_seconds() // 60),
        entry_problem=submissions.entry_status(challenge, viewer, now=now)
        if challenge.status == "open"
        else None,
    )


def _approval_context(challenge: Challenge, viewer) -> dict[str, object]:
    """For an internal contributor on a challenge that needs approval: their request and the form."""
    from app.accounts.services import is_internal
    from app.marketplace import services as marketplace
    from app.marketplace.forms import ApprovalRequestForm

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
