"""``flask ledger verify`` after the whole story (publish → payout job on a real worker → payee details →
paid one at a time and by a confirmations file) passes, and fails on payouts or payments changed by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.payouts import services as payout_services
from app.payouts.verification import verify_ledger
from tests.payouts.support import confirmation_csv
from tests.payouts.test_payouts import ALICE_DETAILS, BOB_DETAILS, _sent


def _verify(app):
    return app.test_cli_runner().invoke(args=["ledger", "verify"])


def test_the_whole_story_verifies_and_a_payout_changed_by_hand_fails(
    app, db, published, run_worker, payout_of
):
    run_worker()  # the payout job queued by publication
    payout_services.save_payee_details(published.alice, ALICE_DETAILS)
    payout_services.save_payee_details(published.bob, BOB_DETAILS)
    run_worker()  # the jobs queued by the payee details
    alice, bob, inez = (
        payout_of(published.challenge, u) for u in (published.alice, published.bob, published.inez)
    )
    assert (alice.status, bob.status, inez.status) == ("sent", "sent", "sent")
    payout_services.mark_paid(inez.id, "BANK-C", inez.amount_minor, "EUR", actor=published.admin)
    payout_services.import_confirmations(
        confirmation_csv(
            (alice.reference, "BANK-A", "5000.00", "EUR"), (bob.reference, "BANK-B", "3000.00", "EUR")
        ),
        actor=published.admin,
    )

    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert "ledger verified: " in result.output

    db.session.execute(
        text("UPDATE payouts SET amount_minor = amount_minor + 100 WHERE id = :id"), {"id": bob.id}
    )
    db.session.commit()
    result = _verify(app)
    assert result.exit_code != 0
    assert (
        f"Payout {bob.reference} is for €3,001.00, but the award credited its recipient €3,000.00."
        in result.output
    )
    assert f"Payout {bob.reference} is paid with €3,001.00, but its ledger transaction" in result.output


def _unlink_payment(db, payout):
    db.session.execute(
        text(
            "UPDATE payouts SET status = 'sent', paid_transaction_id = NULL, bank_reference = NULL WHERE id = :id"
        ),
        {"id": payout.id},
    )
    return "pays money out, but no paid payout records it"


def _paid_without_payment(db, payout):
    db.session.execute(text("UPDATE payouts SET status = 'paid' WHERE id = :id"), {"id": payout.id})
    return f"Payout {payout.reference} is paid, but no ledger transaction pays it out."


def _payment_to_someone_else(db, payout):
    db.session.execute(
        text(
            "UPDATE ledger_entries SET account_id = (SELECT id FROM ledger_accounts WHERE kind = 'sponsor' LIMIT 1) "
            "WHERE transaction_id = (SELECT paid_transaction_id FROM payouts WHERE id = :id) AND amount_minor > 0"
        ),
        {"id": payout.id},
    )
    return "does not move exactly that from the recipient's payable account to their paid-out account"


@pytest.mark.parametrize("corrupt", [_unlink_payment, _paid_without_payment, _payment_to_someone_else])
def test_payouts_and_payments_that_disagree_are_named_and_fail_the_run(
    app, db, published, payout_of, corrupt
):
    _, bob, inez = _sent(published, payout_of)
    payout_services.mark_paid(inez.id, "BANK-C", inez.amount_minor, "EUR", actor=published.admin)
    assert verify_ledger() == []
    target = bob if corrupt is _paid_without_payment else inez

    expected = corrupt(db, target)
    db.session.commit()

    result = _verify(app)
    assert result.exit_code != 0
    assert expected in result.output
