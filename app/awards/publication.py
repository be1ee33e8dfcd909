"""Publication: the sponsor publishes the proposed ranking; prizes move to the winners, names are
revealed and everyone is told."""

from __future__ import annotations

from datetime import datetime

from app.accounts.models import User
from app.awards import hooks
from app.awards.services import award_prizes
from app.challenges.lifecycle import Action
from app.challenges.models import Challenge
from app.challenges.services import lock_challenge
from app.challenges.transitions import check, transition, unless_done
from app.core.errors import Conflict
from app.core.money import format_money
from app.core.timeutil import utcnow
from app.core.transactions import atomic
from app.extensions import db
from app.judging.aggregation import UNREVIEWED
from app.judging.panels import require_manager
from app.judging.results import judged_version_at, results_of
from app.notifications import services as notifications


@atomic
def publish_results(challenge_id: int, actor: User, *, now: datetime | None = None) -> Challenge:
    """Publish the proposed ranking: prizes move to the winners, names are revealed, people are told."""
    now = now or utcnow()
    challenge = lock_challenge(challenge_id)
    require_manager(actor, challenge)
    unless_done(challenge, Action.AWARD)
    check(challenge, Action.AWARD)
    results = results_of(challenge)
    if not results:
        raise Conflict("There are no results to publish yet.")
    groups: dict[int, list[int]] = {}
    for row in results:
        if UNREVIEWED not in row.flags:  # accepted without a review: listed, never paid
            groups.setdefault(row.place, []).append(row.submission_id)
    ranking = [groups[place] for place in sorted(groups)]
    entries = {row.submission_id: row.submission for row in results}
    order = sorted(entries, key=lambda entry_id: (judged_version_at(entries[entry_id]), entry_id))
    awarded = award_prizes(
        challenge, ranking, order_hint={entry_id: index for index, entry_id in enumerate(order)}, actor=actor
    )
    transition(
        challenge,
        Action.AWARD,
        actor=actor,
        now=now,
        event="judging.results_published",
        winners=len(awarded.amounts),
    )
    # Payouts and the outcome survey follow by jobs pushed once this commits.
    hooks.results_published.answers(challenge, actor=actor)
    for row in results:
        entry = entries[row.submission_id]
        amount = awarded.amounts.get(row.submission_id, 0)
        prize = f" and wins {format_money(amount, challenge.currency)}" if amount else ""
        outcome = (
            "received no review from the judges, so it was not ranked"
            if UNREVIEWED in row.flags
            else f"placed {row.place}{prize}"
        )
        notifications.notify(
            entry.contributor,
            f"Results: {challenge.title}",
            f"Your entry “{entry.title}” {outcome}. Your scores and the judges' comments are on "
            "your submission page.",
            link=f"/submissions/{entry.id}",
            commit=False,
        )
    db.session.commit()
    return challenge
