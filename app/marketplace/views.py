"""Marketplace pages: "For you", approvals, the skills vocabulary, the org chart import, analytics,
the leaderboard and the outcome survey. Thin: forms in, services decide."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from app.challenges import services as challenges
from app.core.access import Role, role_required
from app.core.errors import AlreadyDone, PermissionDenied, ValidationFailed
from app.core.forms import attach_error, submit_form
from app.core.timeutil import utcnow
from app.extensions import csrf
from app.marketplace import analytics, bp, services
from app.marketplace.forms import (
    ApprovalCapForm,
    ApprovalRequestForm,
    DecisionForm,
    MergeSkillsForm,
    OrgChartForm,
    RenameSkillForm,
    SurveyForm,
)
from app.marketplace.quarters import parse_quarter, quarter_of
from app.skills import services as skill_vocabulary

UPLOAD_OVERHEAD = 64 * 1024


@bp.get("/for-you")
@role_required(Role.CONTRIBUTOR)
def for_you():
    return render_template(
        "marketplace/for_you.html",
        ranked=services.recommendations_for(current_user),
        has_skills=bool(current_user.skill_levels),
        has_hours=current_user.hours_available_per_week is not None,
        now=utcnow(),
    )


# --- approvals ---------------------------------------------------------------------------------------


@bp.post("/challenges/<slug>/approval")
@role_required(Role.CONTRIBUTOR)
def request_approval(slug: str):
    challenge = challenges.get_by_slug(slug, current_user)
    form = ApprovalRequestForm()
    try:
        outcome = submit_form(
            form,
            lambda: services.request_approval(
                challenge.id,
                current_user,
                hours_per_week=form.hours_per_week.data,
                approver_email=form.approver_email.data,
                note=form.note.data or "",
            ),
        )
    except AlreadyDone as done:
        flash(done.message, "info")
        return redirect(url_for("challenges.detail", slug=challenge.slug)), 303
    if outcome.done:
        flash("Your manager has been asked; you will hear in your inbox.", "success")
    else:
        for message in [*form.form_errors, *(e for f in form for e in f.errors)]:
            flash(message, "error")
    return redirect(url_for("challenges.detail", slug=challenge.slug)), 303


@bp.get("/approvals")
@login_required
def approvals():
    requests = services.requests_to_decide(current_user)
    return render_template(
        "marketplace/approvals.html",
        requests=requests,
        forms={r.id: DecisionForm(prefix=f"r{r.id}") for r in requests},
        held=services.held_hours_of({r.contributor_id for r in requests}),
        cap=services.approval_cap_hours(),
    )


@bp.post("/approvals/<int:request_id>")
@login_required
def decide(request_id: int):
    form = DecisionForm(prefix=f"r{request_id}")
    if not form.validate_on_submit() or not (form.approve.data or form.decline.data):
        abort(400)
    try:
        decided = services.decide_approval(
            request_id, current_user, approve=bool(form.approve.data), note=form.note.data or ""
        )
    except ValidationFailed as error:
        flash(error.message, "error")
        return redirect(url_for("marketplace.approvals")), 303
    except AlreadyDone as done:
        flash(done.message, "info")
        return redirect(url_for("marketplace.approvals")), 303
    flash(f"{decided.status.capitalize()}: {decided.contributor.display_name} has been told.", "success")
    return redirect(url_for("marketplace.approvals")), 303


# --- administration ----------------------------------------------------------------------------------


def _skills_page(status: int = 200, **forms):
    usage = skill_vocabulary.skill_usage()
    choices = [
        SelectChoice(skill.id, f"{skill.name} ({people} people, {count} challenges)")
        for skill, people, count in usage
    ]
    merge_form = forms.pop("merge_form", None) or MergeSkillsForm(prefix="merge")
    merge_form.duplicate.choices = choices
    merge_form.into.choices = choices
    rename_forms = {skill.id: RenameSkillForm(prefix=f"s{skill.id}") for skill, _, _ in usage}
    rename_forms.update(forms.pop("rename_forms", {}))
    return (
        render_template(
            "marketplace/skills.html", usage=usage, merge_form=merge_form, rename_forms=rename_forms
        ),
        status,
    )


@bp.get("/admin/skills")
@role_required(Role.ADMIN)
def skills():
    return _skills_page()


@bp.post("/admin/skills/<int:skill_id>/rename")
@role_required(Role.ADMIN)
def rename_skill(skill_id: int):
    form = RenameSkillForm(prefix=f"s{skill_id}")
    outcome = submit_form(
        form, lambda: skill_vocabulary.rename_skill(skill_id, form.name.data, actor=current_user)
    )
    if outcome.done:
        flash(f"Renamed to {outcome.result.name}.", "success")
        return redirect(url_for("marketplace.skills")), 303
    return _skills_page(outcome.status, rename_forms={skill_id: form})


@bp.post("/admin/skills/merge")
@role_required(Role.ADMIN)
def merge_skills():
    form = MergeSkillsForm(prefix="merge")
    outcome = submit_form(
        form, lambda: skill_vocabulary.merge_skills(form.duplicate.data, form.into.data, actor=current_user)
    )
    if outcome.done:
        flash(f"Merged into {outcome.result.name}.", "success")
        return redirect(url_for("marketplace.skills")), 303
    return _skills_page(outcome.status, merge_form=form)


def _org_chart_page(form, report=None, status: int = 200):
    host = services.host_organization()
    cap_form = ApprovalCapForm(prefix="cap")
    if host is not None and cap_form.hours_per_week.data is None:
        cap_form.hours_per_week.data = host.approval_cap_hours_per_week
    return (
        render_template(
            "marketplace/org_chart.html",
            form=form,
            report=report,
            host=host,
            cap_form=cap_form,
            max_kb=current_app.config["ORG_CHART_MAX_BYTES"] // 1024,
        ),
        status,
    )


@bp.get("/admin/org-chart")
@role_required(Role.ADMIN)
def org_chart():
    return _org_chart_page(OrgChartForm())


@bp.post("/admin/org-chart")
@csrf.exempt  # the form checks its own token once the upload's size limit is set
@role_required(Role.ADMIN)
def import_org_chart():
    # Refuse a body far past the file limit before anything is parsed; the service counts the rest.
    request.max_content_length = current_app.config["ORG_CHART_MAX_BYTES"] + UPLOAD_OVERHEAD
    form = OrgChartForm()
    if not form.validate_on_submit():
        return _org_chart_page(form, status=422)
    try:
        report = services.import_org_chart(
            form.file.data.stream, current_user, apply_valid_rows=bool(form.apply_valid_rows.data)
        )
    except ValidationFailed as error:
        attach_error(form, error)
        return _org_chart_page(form, status=error.status)
    if report.errors and not report.applied:
        return _org_chart_page(form, report, status=422)
    return _org_chart_page(OrgChartForm(formdata=None), report)


@bp.post("/admin/approval-cap")
@role_required(Role.ADMIN)
def set_approval_cap():
    form = ApprovalCapForm(prefix="cap")
    host = services.host_organization()
    if host is None:
        raise PermissionDenied("Create the host organisation first.")
    outcome = submit_form(
        form, lambda: services.set_approval_cap(host.id, form.hours_per_week.data, actor=current_user)
    )
    if outcome.done:
        flash(f"The cap is now {form.hours_per_week.data} hours a week per person.", "success")
    else:
        for message in [*form.form_errors, *form.hours_per_week.errors]:
            flash(message, "error")
    return redirect(url_for("marketplace.org_chart")), 303


# --- outcomes ----------------------------------------------------------------------------------------


@bp.get("/analytics")
@role_required(Role.SPONSOR, Role.ADMIN)
def analytics_page():
    board = analytics.dashboard(current_user)
    return render_template(
        "marketplace/analytics.html",
        board=board,
        charts=[(chart, Markup(chart.svg)) for chart in board.charts],  # noqa: S704 - built and escaped by charts.py
    )


@bp.get("/leaderboard")
@login_required
def leaderboard():
    if not current_user.shows_on_leaderboard:
        raise PermissionDenied(
            "The leaderboard is for people who take part in it: opt in on your profile to see it."
        )
    requested = request.args.get("quarter", "")
    quarter = parse_quarter(requested) if requested else quarter_of(utcnow())
    if quarter is None:
        raise ValidationFailed(f"{requested[:20]!r} is not a quarter such as 2026-Q3.", field="quarter")
    return render_template(
        "marketplace/leaderboard.html", quarter=quarter, rows=services.leaderboard(quarter)
    )


@bp.route("/surveys/<int:survey_id>", methods=["GET", "POST"])
@login_required
def survey(survey_id: int):
    entry = services.own_survey(survey_id, current_user)
    form = SurveyForm()
    outcome = submit_form(
        form,
        lambda: services.answer_survey(
            survey_id,
            current_user,
            useful_score=int(form.useful_score.data),
            would_do_again=form.would_do_again.data == "yes",
            skills_gained=(form.skills_gained.data or "").split(","),
        ),
    )
    if outcome.done:
        flash("Thank you: your answers help decide which challenges are worth running.", "success")
        return redirect(url_for("submissions.mine")), 303
    return render_template("marketplace/survey.html", survey=entry, form=form), outcome.status
