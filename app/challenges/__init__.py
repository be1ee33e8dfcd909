"""Challenges: posting, prize tiers, rubric, eligibility and the lifecycle by the clock."""

from flask import Blueprint

bp = Blueprint("challenges", __name__, url_prefix="/challenges")
