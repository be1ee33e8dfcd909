"""Admin pages listing the people and organisations on the platform."""

from __future__ import annotations

from flask import render_template, request, url_for

from app.accounts import queries as accounts
from app.admin import bp
from app.challenges import queries as challenge_queries
from app.core.access import Role, role_required
from app.core.paging import read_page

PER_PAGE = 50


@bp.get("/users")
@role_required(Role.ADMIN)
def users():
    search = " ".join(request.args.get("q", "").split())[:120]
    role = request.args.get("role", "")
    if role not in {choice.value for choice in Role}:
        role = ""
    page = accounts.user_page(
        search, role or None, page=read_page(request.args.get("page")).number, per_page=PER_PAGE
    )
    return render_template(
        "admin/users.html",
        page=page,
        search=search,
        role=role,
        roles=list(Role),
        page_url=lambda number: url_for("admin.users", q=search or None, role=role or None, page=number),
    )


@bp.get("/organizations")
@role_required(Role.ADMIN)
def organizations():
    return render_template(
        "admin/organizations.html",
        organizations=accounts.organizations_by_name(),
        members=accounts.member_counts(),
        challenges=challenge_queries.challenge_counts_by_sponsor(),
    )
