"""A contributor names the judges they have a conflict with, from their own entry's page.

The route keeps the entry page's address and endpoint (``submissions.name_conflicts``); judging serves it
because naming conflicts is a judging rule that submissions cannot import."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from app.core.access import Role, role_required
from app.core.errors import ValidationFailed
from app.core.numbers import read_id
from app.judging import panels
from app.submissions import bp as submissions_bp
from app.submissions.forms import WithdrawForm


@submissions_bp.post("/<int:submission_id>/conflicts")
@role_required(Role.CONTRIBUTOR)
def name_conflicts(submission_id: int):
    form = WithdrawForm()  # only the CSRF token is a field; the judge checkboxes are read below
    if not form.validate_on_submit():
        abort(400)
    read = [read_id(value) for value in request.form.getlist("judge")]
    judge_ids = [judge_id for judge_id in read if judge_id is not None]
    if len(judge_ids) != len(read):
        raise ValidationFailed("Choose judges from the list.", field="judges")
    panels.name_conflicted_judges(submission_id, current_user, judge_ids)
    flash("Saved. Those judges will never be given your entry.", "success")
    return redirect(url_for("submissions.detail", submission_id=submission_id))
