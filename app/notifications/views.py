"""The inbox page."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required

from app.accounts.navigation import is_safe_next
from app.notifications import bp, services


@bp.route("/")
@login_required
def inbox():
    return render_template("notifications/inbox.html", notifications=services.inbox(current_user))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    notification = services.mark_read(current_user, notification_id)
    if notification.link and is_safe_next(notification.link):
        return redirect(notification.link)
    return redirect(url_for("notifications.inbox"))
