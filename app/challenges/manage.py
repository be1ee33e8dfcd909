"""Sponsor pages: post, edit, fund, extend, top up and cancel a challenge."""

from app.challenges import bp  # noqa: F401
