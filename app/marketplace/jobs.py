"""RQ entry points for the marketplace; each is safe to run again."""

from __future__ import annotations

from app.marketplace import services


def send_outcome_surveys(challenge_id: int) -> str:
    """After results are published: one survey per participant, never two."""
    sent = services.send_outcome_surveys(challenge_id)
    return f"sent {sent} surveys"
