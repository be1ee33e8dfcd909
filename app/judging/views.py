"""Judge-facing pages (invitations, conflicts) and the sponsor's panel actions. Thin: services decide."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app.accounts.viewer import local_time, viewer_zone
from app.challenges import services as challenges
from app.challenges.markdown import render_markdown
from app.core.access import Role, role_required
from app.core.errors import AlreadyDone, PermissionDenied, ValidationFailed, wants_json
from app.core.forms import submit_form
from app.judging import assigning, bp, overdue, panels, queries, reviews
from app.judging import results as judging_results
from app.judging.forms import (
    AnswerInvitationForm,
    DeclareConflictForm,
    ExtendJudgingForm,
    InviteJudgeForm,
    RecuseForm,
)
from app.judging.models import SUBMITTED
from app.judging.results_table import result_rows
from app.submissions.services import may_preview_inline

DECLARED = (
    "Noted. You will never be given entries from them, and you will not be told which ones. If you hold "
    "entries under review, some leave your queue at the next replacement run, a few minutes from now: "
    "any from them among others picked at random, and they are passed to other judges."
)


@bp.route("/invitations", methods=["GET"])
@role_required(Role.JUDGE)
def invitations():
    return render_template(
        "judging/invitations.html",
        invitations=panels.invitations_for(current_user),
        answer_form=AnswerInvitationForm(),
        conflict_form=DeclareConflictForm(),
        conflicts=panels.declared_conflicts_of(current_user),
    )


@bp.post("/invitations/<int:member_id>/<any(accept, decline):answer>")
@role_required(Role.JUDGE)
def answer_invitation(member_id: int, answer: str):
    form = AnswerInvitationForm()
    outcome = submit_form(
        form,
        lambda: panels.respond_to_invitation(
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
        lambda: panels.declare_conflict(
            current_user, email=form.email.data, organization=form.organization.data
        ),
    )
    if outcome.done:
        flash(DECLARED, "success")
    else:
        for message in [*form.form_errors, *form.email.errors]:
            flash(message, "error")
    return redirect(url_for("judging.invitations"))


@bp.post("/panel/<slug>/invite")
@role_required(Role.SPONSOR, Role.ADMIN)
def invite(slug: str):
    challenge = challenges.get_by_slug(slug, current_user)
    # Checked before the form: a refusal is a 403, not a message on a page the caller may not manage.
    panels.require_manager(current_user, challenge)
    form = InviteJudgeForm(prefix="invite")
    outcome = submit_form(
        form,
        lambda: panels.invite_judge(challenge.id, current_user, form.email.data, name=form.name.data or ""),
    )
    if outcome.done:
        flash(f"Invitation sent to {form.email.data}.", "success")
    else:
        for message in [*form.form_errors, *form.email.errors]:
            flash(message, "error")
    return redirect(url_for("challenges.manage", slug=challenge.slug) + "#panel")


@bp.get("/entries/<int:assignment_id>")
@role_required(Role.JUDGE)
def entry(assignment_id: int):
    assignment = reviews.assignment_for(assignment_id, current_user)
    return _render_entry(assignment)


def _render_entry(assignment, status: int = 200, errors: dict[str, str] | None = None, values=None):
    submission = assignment.submission
    review = assignment.review
    queue = [
        row for row in reviews.assignments_of(current_user) if row.challenge_id == assignment.challenge_id
    ]
    return (
        render_template(
            "judging/entry.html",
            assignment=assignment,
            submission=submission,
            challenge=submission.challenge,
            criteria=list(submission.challenge.criteria),
            description=render_markdown(submission.description_md, heading_offset=2),
            review=review,
            values=values if values is not None else (review.scores if review else {}),
            errors=errors or {},
            recuse_form=RecuseForm(),
            next_id=reviews.next_unscored(current_user, after=assignment.id),
            position=next((index for index, row in enumerate(queue, 1) if row.id == assignment.id), None),
            queue_size=len(queue),
            scored=sum(1 for row in queue if row.review and row.review.status == SUBMITTED),
            preview_kind=_preview_kind(submission.latest.content_type if submission.latest else ""),
        ),
        status,
    )


def _preview_kind(content_type: str) -> str | None:
    """How the entry page shows the file: in a frame (PDF), as an image, or not at all."""
    if not may_preview_inline(content_type):
        return None
    return "image" if content_type.startswith("image/") else "document"


@bp.post("/entries/<int:assignment_id>")
@role_required(Role.JUDGE)
def save_review(assignment_id: int):
    assignment = reviews.assignment_for(assignment_id, current_user)
    scores = {
        key.removeprefix("criterion-"): value
        for key, value in request.form.items()
        if key.startswith("criterion-")
    }
    submit = request.form.get("action") == "submit"
    try:
        review = reviews.save_review(
            assignment.id,
            current_user,
            scores,
            comment_for_sponsor=request.form.get("comment_for_sponsor", ""),
            comment_for_contributor=request.form.get("comment_for_contributor", ""),
            submit=submit,
        )
    except ValidationFailed as error:
        if wants_json():
            raise  # the autosave script shows the problem's detail beside the form
        # The refused save was rolled back (reviews.save_review is atomic), which expired what the
        # session held, so the assignment is read afresh.
        return _render_entry(
            reviews.assignment_for(assignment_id, current_user), error.status, error.errors, scores
        )
    if wants_json():
        return jsonify(
            status=review.status,
            saved_at=review.updated_at.isoformat(),
            message=f"{'Submitted' if submit else 'Draft saved'} at {local_time(review.updated_at, '%H:%M:%S')}.",
        )
    flash("Review submitted." if submit else "Draft saved.", "success")
    following = reviews.next_unscored(current_user, after=assignment.id) if submit else None
    if following is not None:
        return redirect(url_for("judging.entry", assignment_id=following))
    return redirect(url_for("judging.entry", assignment_id=assignment.id))


@bp.post("/entries/<int:assignment_id>/recuse")
@role_required(Role.JUDGE)
def recuse(assignment_id: int):
    form = RecuseForm()
    if not form.validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(url_for("main.judge_home"))
    recusal = reviews.recuse(assignment_id, current_user, form.reason.data or "")
    if recusal.replaced:
        flash("You stepped away from that entry; another judge on the panel will take it.", "info")
    else:
        flash(
            "You stepped away from that entry. No other judge on the panel is free to take it yet; "
            "the sponsor was asked to invite one.",
            "info",
        )
    return redirect(url_for("main.judge_home"))


@bp.get("/results/<slug>")
@role_required(Role.SPONSOR, Role.ADMIN, Role.JUDGE)
def results(slug: str):
    return _render_results(challenges.get_by_slug(slug, current_user))


def _render_results(challenge, status: int = 200, extend_form: ExtendJudgingForm | None = None):
    published = judging_results.published(challenge)
    may_manage = challenges.can_manage(current_user, challenge)
    if not (may_manage or (published and queries.on_panel(challenge, current_user))):
        raise PermissionDenied(f"Only members of {challenge.sponsor_org.name} can see these results.")
    labelled = queries.labelled_calibrations(challenge)
    overdue_now = challenge.status == "judging_overdue"  # the only state whose section reads the counts below
    return render_template(
        "judging/results.html",
        challenge=challenge,
        results=result_rows(challenge, published=published),
        calibrations=[row for _label, row in labelled],
        judge_labels={row.judge_id: label for label, row in labelled},
        outstanding=judging_results.reviews_outstanding(challenge),
        unreviewed=judging_results.unreviewed_entries(challenge) if overdue_now else [],
        reviewed_any=overdue_now and judging_results.reviews_submitted(challenge) > 0,
        has_entries=overdue_now and judging_results.has_entries(challenge),
        extend_form=extend_form or ExtendJudgingForm(prefix="extend"),
        extra_form=RecuseForm(),
        published=published,
        may_manage=may_manage,
    ), status


@bp.post("/results/<slug>/extra-review/<int:submission_id>")
@role_required(Role.SPONSOR, Role.ADMIN)
def extra_review(slug: str, submission_id: int):
    challenge = challenges.get_by_slug(slug, current_user)
    assigning.request_extra_review(challenge.id, submission_id, current_user)
    due = challenges.get_challenge(challenge.id).judging_due_at
    flash(
        f"A fresh judge was asked for one more review, due {local_time(due)}. Results are recomputed when "
        "every review is in, or at that time with the reviews that are in.",
        "success",
    )
    return redirect(url_for("judging.results", slug=challenge.slug))


@bp.post("/results/<slug>/extend")
@role_required(Role.SPONSOR, Role.ADMIN)
def extend_judging(slug: str):
    challenge = challenges.get_by_slug(slug, current_user)
    form = ExtendJudgingForm(prefix="extend")
    due = form.judging_due_at.data
    try:
        outcome = submit_form(
            form,
            lambda: overdue.extend_judging(challenge.id, current_user, due.replace(tzinfo=viewer_zone())),
        )
    except AlreadyDone as done:
        flash(done.message, "info")
        return redirect(url_for("judging.results", slug=challenge.slug))
    if outcome.done:
        flash(
            f"Judging runs until {local_time(challenges.get_challenge(challenge.id).judging_due_at)}. Entries "
            "short of judges are given any free judge on the panel; results follow at the new deadline.",
            "success",
        )
        return redirect(url_for("judging.results", slug=challenge.slug))
    return _render_results(challenges.get_challenge(challenge.id), outcome.status, form)


@bp.post("/results/<slug>/accept")
@role_required(Role.SPONSOR, Role.ADMIN)
def accept_results(slug: str):
    challenge = challenges.get_by_slug(slug, current_user)
    if not RecuseForm().validate_on_submit():
        raise ValidationFailed("The form expired; reload the page and try again.")
    try:
        judging_results.aggregate(challenge.id, accepted_by=current_user)
    except AlreadyDone as done:
        flash(done.message, "info")
        return redirect(url_for("judging.results", slug=challenge.slug))
    flash(
        "Results proposed: the reviewed entries are ranked; entries with no review are listed last, flagged, "
        "and win no prize. Publish when ready.",
        "success",
    )
    return redirect(url_for("judging.results", slug=challenge.slug))
