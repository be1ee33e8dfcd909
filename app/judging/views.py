"""Judge-facing pages (invitations, conflicts) and the sponsor's panel actions. Thin: services decide."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from app.accounts.models import Role
from app.challenges import services as challenges
from app.forms import submit_form
from app.judging import bp, services
from app.judging.forms import AnswerInvitationForm, DeclareConflictForm, InviteJudgeForm
from app.main.access import role_required


@bp.route("/invitations", methods=["GET"])
@role_required(Role.JUDGE)
def invitations():
    return render_template(
        "judging/invitations.html",
        invitations=services.invitations_for(current_user),
        answer_form=AnswerInvitationForm(),
        conflict_form=DeclareConflictForm(),
        conflicts=services.declared_conflicts_of(current_user),
    )


@bp.post("/invitations/<int:member_id>/<any(accept, decline):answer>")
@role_required(Role.JUDGE)
def answer_invitation(member_id: int, answer: str):
    form = AnswerInvitationForm()
    outcome = submit_form(
        form,
        lambda: services.respond_to_invitation(
            member_id, current_user, accept=answer == "accept", max_load=form.max_load.data
        ),
    )
    if outcome.done:
        flash("Thank you: your answer was sent to the sponsor.", "success")
    else:
        for message in [*form.form_errors, *form.max_load.errors]:
            flash(message, "error")
    return redirect(url_for("judging.invitations"))


@bp.post("/conflicts")
@role_required(Role.JUDGE)
def declare_conflict():
    form = DeclareConflictForm()
    outcome = submit_form(
        form,
        lambda: services.declare_conflict(
            current_user, email=form.email.data, organization=form.organization.data
        ),
    )
    if outcome.done:
        flash(
            "Noted. You will never be given entries from them, and you will not be told which ones.",
            "success",
        )
    else:
        for message in [*form.form_errors, *form.email.errors]:
            flash(message, "error")
    return redirect(url_for("judging.invitations"))


@bp.post("/panel/<slug>/invite")
@role_required(Role.SPONSOR, Role.ADMIN)
def invite(slug: str):
    challenge = challenges.get_by_slug(slug)
    form = InviteJudgeForm(prefix="invite")
    outcome = submit_form(
        form,
        lambda: services.invite_judge(challenge.id, current_user, form.email.data, name=form.name.data or ""),
    )
    if outcome.done:
        flash(f"Invitation sent to {form.email.data}.", "success")
    else:
        for message in [*form.form_errors, *form.email.errors]:
            flash(message, "error")
    return redirect(url_for("challenges.manage", slug=challenge.slug) + "#panel")
