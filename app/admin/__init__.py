"""Administration pages: people and organisations, the audit log, background jobs and the RQ queues."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
