"""Public pages: the challenge list with filters and search, and a challenge's own page."""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask_login import current_user

from app.challenges import bp, hooks, presenters, queries
from app.challenges import services as challenge_services
from app.challenges.filetypes import describe as describe_file_types
from app.challenges.markdown import render_markdown
from app.core.errors import NotFound
from app.core.timefmt import exact_span
from app.core.timeutil import utcnow

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
    skills = queries.skills_in_use()
    filters = queries.parse_filters(request.args.to_dict(flat=False), [skill.slug for skill in skills])
    listed = queries.list_page(filters, PER_PAGE)
    page = listed.page
    problems = list(filters.problems)
    if listed.past_the_end:
        problems.append(f"There is no page {filters.page_asked or filters.page}; showing the last page.")

    def page_url(number: int) -> str:
        return url_for("challenges.browse", **filters.query_args(), page=number)

    return render_template(
        "challenges/list.html",
        page=page,
        filters=filters,
        problems=problems,
        skills=skills,
        page_url=page_url,
        detail_prefix=url_for("challenges.detail", slug="-").removesuffix("-"),
        now=utcnow(),
        status_choices=queries.STATUS_FILTER_LABELS,
        eligibility_choices=presenters.BADGES,
        sort_choices=queries.SORTS,
    )


@bp.route("/<slug>")
def detail(slug: str):
    found = queries.challenge_page_by_slug(slug)
    if found is None or not challenge_services.may_view(current_user, found[0]):
        raise NotFound("There is no challenge at this address.")
    challenge, host = found
    now = utcnow()
    viewer = current_user if current_user.is_authenticated else None
    return render_template(
        "challenges/detail.html",
        challenge=challenge,
        now=now,
        # The page's sections are <h2>, so the sponsor's own headings start at <h3>.
        brief_html=render_markdown(challenge.brief_md, heading_offset=2),
        rules_html=render_markdown(challenge.rules_md, heading_offset=2),
        prizes=presenters.prize_table(challenge),
        tie_rule=presenters.tie_rule_explanation(challenge),
        unawarded_rule=presenters.unawarded_rule_explanation(challenge),
        timeline=presenters.timeline(challenge, now),
        eligibility=presenters.eligibility_explanation(challenge, viewer, host),
        max_file_size=presenters.human_bytes(challenge.max_file_bytes),
        file_types=describe_file_types(challenge.allowed_types),
        total_weight=sum(criterion.weight for criterion in challenge.criteria),
        grace=exact_span(current_app.config["SUBMISSION_GRACE"]),
        **hooks.challenge_page.merged(challenge, viewer=viewer, now=now),
    )
