"""Challenges: posting, prize tiers, rubric, eligibility and the lifecycle by the clock."""

from flask import Blueprint

bp = Blueprint("challenges", __name__, url_prefix="/challenges")

from app.challenges import browse, manage  # noqa: E402,F401  (routes attach to bp on import)
