"""Submissions: uploads straight to storage, versions, deadlines and blind-safe downloads."""

from flask import Blueprint

bp = Blueprint("submissions", __name__, url_prefix="/submissions")
