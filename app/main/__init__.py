"""Landing page and each role's home page."""

from flask import Blueprint

bp = Blueprint("main", __name__)
