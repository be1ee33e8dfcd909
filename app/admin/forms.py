"""Admin forms."""

from flask_wtf import FlaskForm


class RetryJobForm(FlaskForm):
    """Just the CSRF token: the job to retry is in the URL."""
