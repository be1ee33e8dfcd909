"""Admin pages listing the people and organisations on the platform."""

from __future__ import annotations

from flask import render_template, request, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.accounts.models import Organization, User, UserRole
from app.admin import bp
from app.challenges.models import Challenge
from app.core.access import Role, role_required
from app.extensions import db

PER_PAGE = 50


@bp.get("/users")
@role_required(Role.ADMIN)
def users():
    search = " ".join(request.args.get("q", "").split())[:120]
    role = request.args.get("role", "")
    query = select(User).options(selectinload(User.organization)).order_by(User.display_name, User.id)
    if search:
        pattern = f"%{search.lower().replace('%', '').replace('_', '')}%"
        query = query.where(or_(User.email_key.like(pattern), func.lower(User.display_name).like(pattern)))
    if role in {choice.value for choice in Role}:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    else:
        role = ""
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False)
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
    members = dict(
        db.session.execute(select(User.organization_id, func.count()).group_by(User.organization_id)).all()
    )
    challenges = dict(
        db.session.execute(
            select(Challenge.sponsor_org_id, func.count()).group_by(Challenge.sponsor_org_id)
        ).all()
    )
    return render_template(
        "admin/organizations.html",
        organizations=db.session.scalars(
            select(Organization).options(selectinload(Organization.domains)).order_by(Organization.name)
        ).all(),
        members=members,
        challenges=challenges,
    )
