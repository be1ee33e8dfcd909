"""Payouts through the real services: one per award leg, sent through the finance batch, external winners
waiting for payee details, finance confirming payments, and every refusal leaving everything as it was."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.challenges import services as challenges
from app.core.errors import Conflict, PermissionDenied, ValidationFailed
from app.extensions import db as database
from app.jobs import JobRecord
from app.ledger import posting as ledger
from app.ledger.models import AccountKind, LedgerTransaction
from app.notifications.models import Notification
from app.payouts import jobs
from app.payouts import services as payout_services
from app.payouts.models import PayoutBatch
from app.payouts.services import PayeeInput
from app.payouts.verification import verify_ledger

ALICE_PRIZE, BOB_PRIZE, INEZ_PRIZE = 500_000, 300_000, 200_000
ALICE_DETAILS = PayeeInput("Alice Mary Appleby", "DE", "bank_transfer", "W-8BEN", True)
BOB_DETAILS = PayeeInput("Robert Brown", "US", "paypal", "W-9", True)


def _balance(kind: AccountKind, user) -> int:
    return ledger.balance(ledger.account(kind, "EUR", user_id=user.id))


def _subjects(user) -> list[str]:
    return list(
        database.session.scalars(
            select(Notification.subject).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def _jobs(status: str | None = None) -> list[JobRecord]:
    query = select(JobRecord).where(JobRecord.kind == payout_services.PAYOUT_JOB)
    if status:
        query = query.where(JobRecord.status == status)
    return list(database.session.scalars(query.order_by(JobRecord.id)))


def _one(kind: str) -> LedgerTransaction:
    return database.session.scalars(select(LedgerTransaction).where(LedgerTransaction.kind == kind)).one()


def test_publication_queues_the_payout_job_for_the_challenge(published):
    (record,) = _jobs()
    assert record.args == [published.challenge.id]
    assert record.subject_type == "challenges"


def test_the_job_makes_one_payout_per_winner_and_sends_only_what_can_be_sent(published, payout_of):
    assert jobs.pay_out_challenge(published.challenge.id) == "3 payouts made, 1 sent"

    alice, bob, inez = (
        payout_of(published.challenge, user) for user in (published.alice, published.bob, published.inez)
    )
    assert (alice.amount_minor, alice.currency, alice.status) == (ALICE_PRIZE, "EUR", "awaiting_details")
    assert (bob.amount_minor, bob.status) == (BOB_PRIZE, "awaiting_details")
    assert (inez.amount_minor, inez.status, inez.provider) == (INEZ_PRIZE, "sent", "finance_batch")
    assert inez.batch_id is not None and alice.batch_id is None
    assert "Complete your payee details to receive your prize" in _subjects(published.alice)
    assert "Complete your payee details to receive your prize" not in _subjects(published.inez)
    # Sending moves no money: it leaves the winners' payable accounts only when the bank confirms.
    assert _balance(AccountKind.PAYABLE, published.inez) == INEZ_PRIZE
    assert _balance(AccountKind.PAID_OUT, published.inez) == 0


def test_running_the_job_again_changes_nothing(published, payout_counts):
    jobs.pay_out_challenge(published.challenge.id)
    before = payout_counts()

    assert jobs.pay_out_challenge(published.challenge.id) == "0 payouts made, 0 sent"

    assert payout_counts() == before


def test_paying_out_an_unpublished_challenge_is_refused_and_changes_nothing(db, scene, payout_counts):
    before = payout_counts()
    with pytest.raises(Conflict, match="only after the results are published"):
        payout_services.create_payouts(scene.challenge.id)
    with pytest.raises(Conflict, match="only after the results are published"):
        payout_services.send_ready_payouts(scene.challenge.id)
    assert payout_counts() == before


def _forge_award(db, challenge, legs):
    """An awarded challenge whose award transaction was written by hand, to feed the payout step bad legs."""
    challenge.status = "awarded"
    db.session.commit()
    ledger.post(f"challenge:{challenge.id}:award", "award", legs, challenge_id=challenge.id)
    db.session.commit()


def test_an_award_in_another_currency_than_the_challenge_is_refused(db, scene, payout_counts):
    usd_escrow = ledger.account(AccountKind.ESCROW, "USD", challenge_id=scene.challenge.id)
    alice_usd = ledger.account(AccountKind.PAYABLE, "USD", user_id=scene.alice.id)
    _forge_award(db, scene.challenge, [(usd_escrow, -1_000), (alice_usd, 1_000)])
    before = payout_counts()

    with pytest.raises(ValidationFailed, match="in USD, but the challenge pays in EUR"):
        payout_services.create_payouts(scene.challenge.id)

    assert payout_counts() == before


def test_an_award_that_takes_money_from_a_winner_is_refused(db, scene, payout_counts):
    escrow = ledger.account(AccountKind.ESCROW, "EUR", challenge_id=scene.challenge.id)
    alice = ledger.account(AccountKind.PAYABLE, "EUR", user_id=scene.alice.id)
    _forge_award(db, scene.challenge, [(escrow, 1_000), (alice, -1_000)])
    before = payout_counts()

    with pytest.raises(ValidationFailed, match="must be more than zero"):
        payout_services.create_payouts(scene.challenge.id)

    assert payout_counts() == before


def test_payee_details_release_the_waiting_payout_into_a_new_batch(published, payout_of):
    jobs.pay_out_challenge(published.challenge.id)

    details = payout_services.save_payee_details(published.alice, ALICE_DETAILS)

    assert (details.legal_name, details.country, details.tax_form) == ("Alice Mary Appleby", "DE", "W-8BEN")
    assert payout_of(published.challenge, published.alice).status == "pending"
    assert len(_jobs("queued")) == 1  # publication's job, still queued, will send it: none beside it
    assert jobs.pay_out_challenge(published.challenge.id) == "0 payouts made, 1 sent"
    alice, inez = (
        payout_of(published.challenge, published.alice),
        payout_of(published.challenge, published.inez),
    )
    assert alice.status == "sent" and alice.batch_id != inez.batch_id
    assert payout_of(published.challenge, published.bob).status == "awaiting_details"


@pytest.mark.parametrize(
    ("details", "field"),
    [
        (PayeeInput("", "DE", "bank_transfer", "W-8BEN", True), "legal_name"),
        (PayeeInput("Alice", "XX", "bank_transfer", "W-8BEN", True), "country"),
        (PayeeInput("Alice", "DE", "card", "W-8BEN", True), "payout_method"),
        (PayeeInput("Alice", "DE", "bank_transfer", "1040", True), "tax_form"),
        (PayeeInput("Alice", "DE", "bank_transfer", "W-8BEN", False), "certified"),
    ],
)
def test_incomplete_payee_details_are_refused_and_release_nothing(published, payout_counts, details, field):
    jobs.pay_out_challenge(published.challenge.id)
    before = payout_counts()

    with pytest.raises(ValidationFailed) as refusal:
        payout_services.save_payee_details(published.alice, details)

    assert field in refusal.value.errors
    assert payout_counts() == before


def _sent(published, payout_of):
    """Every winner's payout sent: the job, then Alice's and Bob's details, then the job again."""
    jobs.pay_out_challenge(published.challenge.id)
    payout_services.save_payee_details(published.alice, ALICE_DETAILS)
    payout_services.save_payee_details(published.bob, BOB_DETAILS)
    jobs.pay_out_challenge(published.challenge.id)
    return [payout_of(published.challenge, user) for user in (published.alice, published.bob, published.inez)]


def test_marking_paid_moves_the_prize_from_payable_to_paid_out(published, payout_of):
    _, _, inez = _sent(published, payout_of)

    paid = payout_services.mark_paid(inez.id, "  BANK-0001 ", INEZ_PRIZE, "EUR", actor=published.admin)

    assert (paid.status, paid.bank_reference, paid.paid_by_id) == ("paid", "BANK-0001", published.admin.id)
    assert _balance(AccountKind.PAYABLE, published.inez) == 0
    assert _balance(AccountKind.PAID_OUT, published.inez) == INEZ_PRIZE
    payment = _one("payout")
    assert (
        payment.idempotency_key == f"challenge:{published.challenge.id}:payout:user:{published.inez.id}:paid"
    )
    assert payment.reference == "BANK-0001"
    assert any("was paid" in subject for subject in _subjects(published.inez))
    assert challenges.get_challenge(published.challenge.id).status == "awarded"  # two still unpaid
    assert verify_ledger() == []


def test_the_challenge_is_paid_once_every_winner_is_paid(published, payout_of, app):
    for index, payout in enumerate(_sent(published, payout_of)):
        payout_services.mark_paid(
            payout.id, f"BANK-{index}", payout.amount_minor, payout.currency, actor=published.admin
        )

    assert challenges.get_challenge(published.challenge.id).status == "paid"
    assert verify_ledger() == []
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("amount_minor", "currency", "error", "message"),
    [
        (0, "EUR", ValidationFailed, "more than zero"),
        (-INEZ_PRIZE, "EUR", ValidationFailed, "more than zero"),
        (INEZ_PRIZE, "USD", ValidationFailed, "is in EUR, not USD"),
        (INEZ_PRIZE - 1, "EUR", ValidationFailed, "is for €2,000.00, not €1,999.99"),
    ],
)
def test_a_confirmation_that_does_not_match_the_payout_is_refused(
    published, payout_of, payout_counts, amount_minor, currency, error, message
):
    _, _, inez = _sent(published, payout_of)
    before = payout_counts()

    with pytest.raises(error, match=message):
        payout_services.mark_paid(inez.id, "BANK-1", amount_minor, currency, actor=published.admin)

    assert payout_counts() == before
    assert _balance(AccountKind.PAYABLE, published.inez) == INEZ_PRIZE


def test_marking_a_payout_paid_twice_is_refused(published, payout_of, payout_counts):
    _, _, inez = _sent(published, payout_of)
    payout_services.mark_paid(inez.id, "BANK-1", INEZ_PRIZE, "EUR", actor=published.admin)
    before = payout_counts()

    with pytest.raises(Conflict, match="already paid"):
        payout_services.mark_paid(inez.id, "BANK-2", INEZ_PRIZE, "EUR", actor=published.admin)

    assert payout_counts() == before
    assert _balance(AccountKind.PAID_OUT, published.inez) == INEZ_PRIZE


def test_a_bank_reference_confirms_only_one_payout(published, payout_of, payout_counts):
    _, bob, inez = _sent(published, payout_of)
    payout_services.mark_paid(inez.id, "BANK-1", INEZ_PRIZE, "EUR", actor=published.admin)
    before = payout_counts()

    with pytest.raises(Conflict, match="already confirms payout"):
        payout_services.mark_paid(bob.id, "bank-1", BOB_PRIZE, "EUR", actor=published.admin)

    assert payout_counts() == before


def test_a_payout_still_waiting_for_details_cannot_be_marked_paid(published, payout_of, payout_counts):
    jobs.pay_out_challenge(published.challenge.id)
    alice = payout_of(published.challenge, published.alice)
    before = payout_counts()

    with pytest.raises(Conflict, match="awaiting details; only a sent payout can be paid"):
        payout_services.mark_paid(alice.id, "BANK-1", ALICE_PRIZE, "EUR", actor=published.admin)

    assert payout_counts() == before


def test_only_an_administrator_confirms_payments(published, payout_of, payout_counts):
    _, _, inez = _sent(published, payout_of)
    before = payout_counts()
    for person in (published.sponsor, published.inez):
        with pytest.raises(PermissionDenied):
            payout_services.mark_paid(inez.id, "BANK-1", INEZ_PRIZE, "EUR", actor=person)
    assert payout_counts() == before


def test_a_failed_payment_keeps_the_money_payable_and_is_sent_again_in_a_new_batch(published, payout_of):
    _, _, inez = _sent(published, payout_of)
    first_batch = inez.batch_id
    with pytest.raises(ValidationFailed):
        payout_services.mark_failed(inez.id, "  ", actor=published.admin)

    payout_services.mark_failed(inez.id, "Account closed", actor=published.admin)

    failed = payout_of(published.challenge, published.inez)
    assert (failed.status, failed.failure_reason) == ("failed", "Account closed")
    assert _balance(AccountKind.PAYABLE, published.inez) == INEZ_PRIZE
    with pytest.raises(Conflict):
        payout_services.mark_paid(inez.id, "BANK-1", INEZ_PRIZE, "EUR", actor=published.admin)
    payout_services.resend_payout(inez.id, actor=published.admin)
    assert payout_of(published.challenge, published.inez).status == "pending"
    jobs.pay_out_challenge(published.challenge.id)
    again = payout_of(published.challenge, published.inez)
    assert again.status == "sent" and again.batch_id not in (None, first_batch)
    # Inez's first batch, Alice's and Bob's together, and Inez's second.
    assert database.session.scalar(select(func.count()).select_from(PayoutBatch)) == 3


def test_one_maker_winning_with_two_entries_gets_one_payout_of_both_prizes(db, scene, make_user, payout_of):
    """The award splits each entry's prize among its members (one member until teams exist) and sums
    them per person: one ledger leg and one payout per person per challenge."""
    from tests.payouts.support import publish_with_winners

    publish_with_winners(scene.challenge, scene.sponsor, [scene.inez, scene.inez, scene.bob], make_user)
    award = _one("award")
    inez_account = ledger.account(AccountKind.PAYABLE, "EUR", user_id=scene.inez.id)
    assert [entry.amount_minor for entry in award.entries if entry.account_id == inez_account.id] == [800_000]

    jobs.pay_out_challenge(scene.challenge.id)

    assert payout_of(scene.challenge, scene.inez).amount_minor == 800_000
