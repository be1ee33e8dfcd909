"""The sponsor's Publish button on the proposed results.

The route keeps its address and endpoint on the results page (``judging.publish``); awards serve it
because publication awards the prizes, which judging cannot import."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user

from app.awards import publication
from app.challenges import services as challenges
from app.core.access import Role, role_required
from app.core.errors import AlreadyDone, ValidationFailed
from app.judging import bp as judging_bp
from app.judging.forms import RecuseForm


@judging_bp.post("/results/<slug>/publish")
@role_required(Role.SPONSOR, Role.ADMIN)
def publish(slug: str):
    challenge = challenges.get_by_slug(slug, current_user)
    form = RecuseForm()
    if not form.validate_on_submit():
        raise ValidationFailed("The form expired; reload the page and try again.")
    try:
        publication.publish_results(challenge.id, current_user)
    except AlreadyDone as done:
        flash(done.message, "info")
        return redirect(url_for("judging.results", slug=challenge.slug))
    flash("Results published: the prizes moved to the winners, and everyone was told.", "success")
    return redirect(url_for("judging.results", slug=challenge.slug))
