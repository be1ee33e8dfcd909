"""Admin pages for the people and organisations on the platform: lists, creating an organisation,
inviting its members, and granting and withdrawing roles."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.accounts import queries as accounts
from app.accounts import services as account_services
from app.admin import bp
from app.admin.forms import InviteMemberForm, OrganizationForm, RoleForm
from app.challenges import queries as challenge_queries
from app.core.access import Role, role_required
from app.core.errors import NotFound
from app.core.forms import submit_form
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


def _person(user_id: int):
    user = accounts.user_by_id(user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


@bp.get("/users/<int:user_id>")
@role_required(Role.ADMIN)
def user_detail(user_id: int):
    return render_template(
        "admin/user.html", person=_person(user_id), grant_form=RoleForm(), revoke_form=RoleForm()
    )


def _change_role(user_id: int, action, done: str):
    person = _person(user_id)
    form = RoleForm()
    outcome = submit_form(form, lambda: action(user_id, form.role.data, actor=current_user))
    if outcome.done:
        flash(done.format(role=form.role.data, name=person.display_name), "success")
        return redirect(url_for("admin.user_detail", user_id=user_id))
    return render_template(
        "admin/user.html", person=person, grant_form=form, revoke_form=RoleForm()
    ), outcome.status


@bp.post("/users/<int:user_id>/roles/grant")
@role_required(Role.ADMIN)
def grant_role(user_id: int):
    return _change_role(user_id, account_services.give_role, "{name} now holds the {role} role.")


@bp.post("/users/<int:user_id>/roles/revoke")
@role_required(Role.ADMIN)
def revoke_role(user_id: int):
    return _change_role(user_id, account_services.take_role, "{name} no longer holds the {role} role.")


def _render_organizations(form: OrganizationForm, status: int = 200):
    return (
        render_template(
            "admin/organizations.html",
            form=form,
            organizations=accounts.organizations_by_name(),
            members=accounts.member_counts(),
            challenges=challenge_queries.challenge_counts_by_sponsor(),
        ),
        status,
    )


@bp.get("/organizations")
@role_required(Role.ADMIN)
def organizations():
    return _render_organizations(OrganizationForm(formdata=None))


@bp.post("/organizations")
@role_required(Role.ADMIN)
def create_organization():
    form = OrganizationForm()
    outcome = submit_form(
        form,
        lambda: account_services.create_organization(
            form.name.data,
            (form.domains.data or "").split(","),
            is_sponsor=bool(form.is_sponsor.data),
            actor=current_user,
        ),
    )
    if outcome.done and outcome.result is not None:
        flash(f"{outcome.result.name} was created. Invite its first members below.", "success")
        return redirect(url_for("admin.organization_detail", organization_id=outcome.result.id))
    return _render_organizations(form, outcome.status)


def _render_organization(organization_id: int, form: InviteMemberForm, status: int = 200):
    organization = accounts.organization_by_id(organization_id)
    if organization is None:
        raise NotFound("No such organisation.")
    return (
        render_template(
            "admin/organization.html",
            organization=organization,
            members=accounts.members_of(organization_id),
            form=form,
        ),
        status,
    )


@bp.get("/organizations/<int:organization_id>")
@role_required(Role.ADMIN)
def organization_detail(organization_id: int):
    return _render_organization(organization_id, InviteMemberForm(formdata=None))


@bp.post("/organizations/<int:organization_id>/invitations")
@role_required(Role.ADMIN)
def invite_member(organization_id: int):
    form = InviteMemberForm()
    outcome = submit_form(
        form,
        lambda: account_services.invite_member(
            organization_id, form.email.data, form.display_name.data or "", form.role.data, actor=current_user
        ),
    )
    if outcome.done and outcome.result is not None:
        flash(f"We e-mailed {outcome.result.email} about the {form.role.data} role.", "success")
        return redirect(url_for("admin.organization_detail", organization_id=organization_id))
    return _render_organization(organization_id, form, outcome.status)
