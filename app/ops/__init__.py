"""What operators see: health and readiness, JSON logs with request ids, Prometheus metrics, and error
reports to Sentry. The admin's health page (``app.admin.health``) reads the same checks."""

from flask import Blueprint

bp = Blueprint("ops", __name__)
