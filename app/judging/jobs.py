"""RQ entry points for judging; each checks the challenge's state, so running twice is harmless."""

from __future__ import annotations

from contextlib import suppress

from app.challenges import services as challenges
from app.challenges.lifecycle import Status
from app.core.errors import AlreadyDone
from app.core.timeutil import utcnow
from app.judging import assigning, overdue
from app.judging import results as judging_results


def assign_after_close(challenge_id: int) -> str:
    """After the grace window that follows closing: start judging, then give every entry its judges.

    Judging starts first, under the challenge's lock, which waits for entries being recorded: every
    entry accepted before then is in the assignment below, and one recorded after asks for its own
    judges. A retry after a crash between the two steps finds the challenge judging and assigns.
    """
    challenge = challenges.get_challenge(challenge_id)
    if challenge.state not in (Status.CLOSED, Status.JUDGING):
        return f"nothing to do: the challenge is {challenge.status}"
    if challenge.state is Status.CLOSED:
        grace_ends_at = challenges.grace_ends_at(challenge)
        if utcnow() < grace_ends_at:
            challenges.schedule_assignment(challenge_id)
            return f"uploads may finish until {grace_ends_at.isoformat()}; assignment rescheduled for then"
        with suppress(AlreadyDone):  # another run started it: assigning below only fills gaps
            challenges.start_judging(challenge_id)
    if not judging_results.has_entries(challenge):
        overdue.mark_overdue(challenge_id, nothing_to_judge=True)
        return "no entry arrived: nothing to judge; the sponsor chooses what happens"
    outcome = assigning.assign_judges(challenge_id)
    return outcome.message or "every entry has its judges"


def reassign(challenge_id: int) -> str:
    """After a recusal or a new judge: fill the gaps, moving as few assignments as possible."""
    challenge = challenges.get_challenge(challenge_id)
    if challenge.state not in (Status.CLOSED, Status.JUDGING):
        return f"nothing to do: the challenge is {challenge.status}"
    outcome = assigning.assign_judges(challenge_id)
    return outcome.message or "every entry has its judges"


def apply_declared_conflicts(judge_id: int) -> str:
    """A judge declared a conflict while holding entries: release the matches among decoys, then give
    every released entry another judge on each challenge still being judged. Running it again only
    refills, which changes nothing once every entry has its judges."""
    touched = assigning.apply_declared_conflicts(judge_id)
    panels_being_judged = assigning.challenges_judged_by(judge_id)
    messages = [reassign(challenge_id) for challenge_id in panels_being_judged]
    return f"released entries on {len(touched)} challenge(s); " + (
        "; ".join(messages) if messages else "nothing to refill"
    )


def aggregate_when_ready(challenge_id: int) -> str:
    """When every entry has its reviews, or the judging deadline has passed: calibrate and propose
    results. At the deadline with entries nobody reviewed it proposes nothing (that would drop them
    silently) and hands the choice to the sponsor; either way it finishes, so no sweep repeats it."""

    challenge = challenges.get_challenge(challenge_id)
    if challenge.state is not Status.JUDGING:
        return f"nothing to do: the challenge is {challenge.status}"
    missing = judging_results.unreviewed_entries(challenge)
    waiting = not judging_results.judging_complete(challenge) or missing
    if waiting and utcnow() < challenge.judging_due_at:
        return "waiting for reviews"
    if missing or not judging_results.has_entries(challenge):
        overdue.mark_overdue(challenge_id, nothing_to_judge=not judging_results.has_entries(challenge))
        return f"judging overdue: {len(missing)} entries have no review; the sponsor chooses what happens"
    ranked = judging_results.aggregate(challenge_id)
    return f"proposed a ranking of {ranked} entries"
