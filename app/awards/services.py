"""The award transaction: the published ranking split by the pure core and posted from escrow to the
winners' payable accounts, exactly, in the publishing transaction."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from app.accounts.models import User
from app.challenges.models import Challenge
from app.core.splitting import Split, split, split_shares
from app.extensions import db
from app.ledger import posting as ledger
from app.ledger.models import AccountKind
from app.submissions.models import Submission


def entry_shares(submission: Submission) -> dict[int, int]:
    """Who shares an entry's prize, and in what proportion: user id → share.

    Entries have one maker until teams exist; a team model answers here with its members' declared
    shares, and the award splits each prize among them exactly (``split_shares``).
    """
    return {submission.contributor_id: 1}


def award_prizes(
    challenge: Challenge, groups: list[list[int]], *, order_hint: dict[int, int], actor: User
) -> Split[int]:
    """Move the bounty from escrow to each winner's payable account in one transaction.

    ``groups`` is the published ranking as tie groups of submission ids, best first. The split is
    the pure core's; money for places nobody won goes back to the sponsor or to the winners, as
    the challenge stated at posting. The caller commits.
    """
    escrow = ledger.account(AccountKind.ESCROW, challenge.currency, challenge_id=challenge.id)
    ledger.lock(escrow)
    held = ledger.balance(escrow)
    result = split(
        held, challenge.tiers_bp, groups, unawarded=challenge.unawarded_rule, order_hint=order_hint
    )
    legs: list[ledger.Leg] = []
    entries = {
        submission.id: submission
        for submission in db.session.scalars(
            select(Submission).where(Submission.id.in_(list(result.amounts)))
        )
    }
    # Each entry's prize is split among its members by their shares, then summed per person, so one
    # person gets one leg (and later one payout) per challenge however many entries they won with.
    per_person: dict[int, int] = defaultdict(int)
    for submission_id, amount in sorted(result.amounts.items()):
        for member_id, share in split_shares(amount, entry_shares(entries[submission_id])).items():
            per_person[member_id] += share
    for user_id, amount in sorted(per_person.items()):
        if amount:
            payable = ledger.account(AccountKind.PAYABLE, challenge.currency, user_id=user_id)
            legs.append((payable, amount))
    if result.returned:
        sponsor = ledger.account(
            AccountKind.SPONSOR, challenge.currency, organization_id=challenge.sponsor_org_id
        )
        legs.append((sponsor, result.returned))
    paid_out_of_escrow = sum(amount for _, amount in legs)
    if paid_out_of_escrow:
        legs.append((escrow, -paid_out_of_escrow))
        ledger.post(
            f"challenge:{challenge.id}:award",
            "award",
            legs,
            memo=f"prizes of {challenge.title}",
            challenge_id=challenge.id,
            actor_id=actor.id,
        )
    return result
