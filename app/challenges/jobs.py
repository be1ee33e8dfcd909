"""RQ entry points that move challenges by the clock; each is safe to run more than once."""

from __future__ import annotations

from app.challenges import services


def open_when_due(challenge_id: int) -> bool:
    return services.open_if_due(challenge_id)


def close_when_due(challenge_id: int) -> bool:
    return services.close_if_due(challenge_id)


def sweep() -> dict[str, int]:
    return services.sweep_due_transitions()
