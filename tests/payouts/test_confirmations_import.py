"""Importing the bank's confirmations: a clean file pays every payout in it; a file with any bad row is
reported row by row and applies nothing."""

from __future__ import annotations

import pytest

from app.challenges import services as challenges
from app.core.errors import PermissionDenied
from app.payouts import services as payout_services
from app.payouts.services import ConfirmationsRejected
from app.payouts.verification import verify_ledger
from tests.payouts.support import confirmation_csv
from tests.payouts.test_payouts import _sent


@pytest.fixture
def sent(published, payout_of):
    return _sent(published, payout_of)


def test_a_clean_file_pays_every_payout_in_it_and_the_challenge(published, sent, payout_of):
    alice, bob, inez = sent
    lines = confirmation_csv(
        (alice.reference, "BANK-A", "5,000.00", "EUR"),
        (bob.reference.lower(), "BANK-B", "3000", "eur"),
        ("", "", "", ""),  # blank lines in a spreadsheet export are skipped
        (inez.reference, "BANK-C", "2000.00", "EUR"),
    )

    report = payout_services.import_confirmations(lines, actor=published.admin)

    assert [(row.line, row.problem) for row in report] == [(2, None), (3, None), (5, None)]
    paid = [payout_of(published.challenge, user) for user in (published.alice, published.bob, published.inez)]
    assert [(p.status, p.bank_reference) for p in paid] == [
        ("paid", "BANK-A"),
        ("paid", "BANK-B"),
        ("paid", "BANK-C"),
    ]
    assert challenges.get_challenge(published.challenge.id).status == "paid"
    assert verify_ledger() == []


def test_extra_columns_are_ignored_and_headers_are_read_loosely(published, sent, payout_of):
    _, _, inez = sent
    lines = confirmation_csv(
        ("Paid on 3 March", inez.reference, "BANK-C", "2000.00", "EUR"),
        header=("Note", "Reference", "Bank Reference", "Amount", "Currency"),
    )
    payout_services.import_confirmations(lines, actor=published.admin)
    assert payout_of(published.challenge, published.inez).status == "paid"


def test_a_file_with_one_bad_row_applies_nothing_and_reports_every_row(published, sent, payout_counts):
    alice, bob, inez = sent
    payout_services.mark_paid(inez.id, "BANK-EARLIER", 200_000, "EUR", actor=published.admin)
    before = payout_counts()
    lines = confirmation_csv(
        (alice.reference, "BANK-A", "5000.00", "EUR"),  # fine on its own
        (bob.reference, "BANK-B", "3000.00", "USD"),  # currency mismatch
        (bob.reference, "BANK-B2", "3000.00", "EUR"),  # the same payout again
        (inez.reference, "BANK-C", "2000.00", "EUR"),  # already paid
        (alice.reference.replace("P", "Q"), "BANK-D", "1.00", "EUR"),  # not a reference
        ("PODIUM-P999999", "BANK-E", "1.00", "EUR"),  # no such payout
        (bob.reference, "BANK-A", "0", "EUR"),  # zero, and a reused bank reference
        (bob.reference, "BANK-F", "-3000.00", "EUR"),  # negative
        (bob.reference, "BANK-G", "3000.001", "EUR"),  # below the cent
        (bob.reference, "", "3000.00", "EUR"),  # no bank reference
    )

    with pytest.raises(ConfirmationsRejected) as rejected:
        payout_services.import_confirmations(lines, actor=published.admin)

    problems = {row.line: row.problem for row in rejected.value.report}
    assert problems[2] is None
    assert "is in EUR, not USD" in problems[3]
    assert problems[4] == "This payout is already confirmed on line 3."
    assert "already paid" in problems[5]
    assert "not a Podium payout reference" in problems[6]
    assert problems[7] == "No payout has this reference."
    assert "more than zero" in problems[8]
    assert "more than zero" in problems[9]
    assert "at most 2 decimal places" in problems[10]
    assert problems[11] == "The bank reference is missing."
    assert "9 of 10 rows have problems, so nothing in the file was applied" in rejected.value.message
    assert payout_counts() == before


def test_a_bank_reference_used_twice_in_one_file_is_reported_on_the_later_row(published, sent, payout_counts):
    alice, bob, _ = sent
    before = payout_counts()
    lines = confirmation_csv(
        (alice.reference, "BANK-1", "5000.00", "EUR"), (bob.reference, "bank-1", "3000.00", "EUR")
    )
    with pytest.raises(ConfirmationsRejected) as rejected:
        payout_services.import_confirmations(lines, actor=published.admin)
    assert [row.problem for row in rejected.value.report] == [
        None,
        "Bank reference 'bank-1' is already used on line 2.",
    ]
    assert payout_counts() == before


def test_a_bank_reference_that_already_paid_a_payout_is_refused(published, sent, payout_counts):
    _, bob, inez = sent
    payout_services.mark_paid(inez.id, "BANK-EARLIER", 200_000, "EUR", actor=published.admin)
    before = payout_counts()
    with pytest.raises(ConfirmationsRejected) as rejected:
        payout_services.import_confirmations(
            confirmation_csv((bob.reference, "bank-earlier", "3000.00", "EUR")), actor=published.admin
        )
    assert f"already confirms payout #{inez.id}" in rejected.value.report[0].problem
    assert payout_counts() == before


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "The file is empty."),
        (["reference,amount,currency\r\n", "PODIUM-P000001,1,EUR\r\n"], "it lacks bank_reference"),
        (["reference,bank_reference,amount,currency\r\n"], "no confirmations"),
        (["reference,bank_reference,amount,currency\r\n", '"PODIUM-P000001,B,1,EUR\r\n'], "not valid CSV"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(published, sent, payout_counts, lines, message):
    before = payout_counts()
    with pytest.raises(ConfirmationsRejected, match=message) as rejected:
        payout_services.import_confirmations(lines, actor=published.admin)
    assert rejected.value.report == []
    assert payout_counts() == before


def test_only_an_administrator_imports_confirmations(published, sent, payout_counts):
    before = payout_counts()
    with pytest.raises(PermissionDenied):
        payout_services.import_confirmations(
            confirmation_csv((sent[2].reference, "BANK-C", "2000.00", "EUR")), actor=published.sponsor
        )
    assert payout_counts() == before
