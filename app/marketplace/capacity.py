"""The organisation-wide cap on manager-approved hours one person may hold at once."""

from __future__ import annotations

MIN_HOURS, MAX_HOURS = 1, 40


def hours_problem(hours_per_week: int) -> str | None:
    """Why a request's weekly hours are unusable, or None."""
    if not MIN_HOURS <= hours_per_week <= MAX_HOURS:
        return f"Ask for {MIN_HOURS} to {MAX_HOURS} hours a week."
    return None


def capacity_problem(held_hours: int, requested_hours: int, cap_hours: int) -> str | None:
    """Why approving ``requested_hours`` more would break the cap, or None.

    ``held_hours`` are the hours already approved on challenges still running; the sum may reach the
    cap but not pass it.
    """
    if held_hours + requested_hours <= cap_hours:
        return None
    room = max(0, cap_hours - held_hours)
    return (
        f"That would make {held_hours + requested_hours} approved hours a week; the limit is {cap_hours} "
        f"per person across running challenges, and {held_hours} are already approved "
        f"({room} left)."
    )
