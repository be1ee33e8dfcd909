"""Where cash payouts go to be paid. One interface; the provider shipped is the finance team's batch.

A provider takes payouts that may be sent and hands them over. It must not commit and must not move money
in the ledger: money leaves the ledger only when the payment is confirmed (``mark_paid``), so a provider
that fails half-way leaves every payout pending for the job's retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from app.challenges.models import Challenge
from app.extensions import db
from app.payouts.models import Payout, PayoutBatch


class PayoutProvider(Protocol):
    """Hands payouts over for payment. ``name`` is recorded on each payout it sends."""

    name: str

    def send(self, challenge: Challenge, payouts: Sequence[Payout]) -> str:
        """Hand ``payouts`` (all of ``challenge``, all pending) over in the caller's transaction; return
        the provider's reference for the hand-over. Raise to send none of them."""
        ...


class FinanceBatchProvider:
    """The payment route of a finance team without a payment processor: each hand-over becomes a batch
    that finance downloads as CSV, pays from the bank, and confirms with the bank's references."""

    name = "finance_batch"

    def send(self, challenge: Challenge, payouts: Sequence[Payout]) -> str:
        batch = PayoutBatch(provider=self.name, challenge_id=challenge.id)
        db.session.add(batch)
        for payout in payouts:
            payout.batch = batch
        db.session.flush()
        return f"batch {batch.id}"


def cash_provider() -> PayoutProvider:
    """The provider cash payouts are sent through. A payment processor would be chosen here."""
    return FinanceBatchProvider()
