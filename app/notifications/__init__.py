"""Notifications: an in-app inbox and e-mail, each message an outbox row sent by a job."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/inbox")
