"""Public pages: the challenge list with filters and search, and a challenge's own page."""

from app.challenges import bp  # noqa: F401
