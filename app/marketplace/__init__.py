"""The internal gig marketplace: recommendations, manager approval, the org chart, outcomes."""

from flask import Blueprint

bp = Blueprint("marketplace", __name__)
