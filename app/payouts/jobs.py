"""RQ entry points for payouts; running one twice, or on two workers at once, pays nobody twice."""

from __future__ import annotations

from app.payouts import services as payout_services


def pay_out_challenge(challenge_id: int) -> str:
    """After publication (and whenever a winner completes payee details): make the challenge's payouts
    and send the ones that can be sent."""
    created = payout_services.create_payouts(challenge_id)
    sent = payout_services.send_ready_payouts(challenge_id)
    return f"{len(created)} payouts made, {len(sent)} sent"
