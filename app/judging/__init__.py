"""Judging: panels, conflicts, assignment, review queues, calibrated aggregation and results."""

from flask import Blueprint

bp = Blueprint("judging", __name__, url_prefix="/judging")
