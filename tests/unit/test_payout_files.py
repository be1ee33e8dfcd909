"""The finance batch file and the confirmations file, as plain text: what finance downloads and sends back."""

from __future__ import annotations

import csv

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.payouts.batch_csv import BATCH_COLUMNS, BatchLine, batch_csv, defuse
from app.payouts.confirmations import MAX_ROWS, parse_confirmations
from app.payouts.references import MAX_PAYOUT_ID, payout_id_from_reference, payout_reference

HEADER = "reference,bank_reference,amount,currency\r\n"


def _line(recipient="Alice Appleby", email="alice@outside.example", amount="5000.00"):
    return BatchLine(recipient, email, amount, "EUR", "PODIUM-P000001", "complete")


def test_the_batch_file_has_the_header_then_one_row_per_payout():
    text = "".join(batch_csv([_line(), _line(recipient="Bob, Jr.", amount="0.01")]))
    rows = list(csv.reader(text.splitlines()))
    assert rows == [
        list(BATCH_COLUMNS),
        ["Alice Appleby", "alice@outside.example", "5000.00", "EUR", "PODIUM-P000001", "complete"],
        ["Bob, Jr.", "alice@outside.example", "0.01", "EUR", "PODIUM-P000001", "complete"],
    ]


@pytest.mark.parametrize("typed", ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)", "\tx"])
def test_a_name_a_spreadsheet_would_run_as_a_formula_is_written_as_text(typed):
    text = "".join(batch_csv([_line(recipient=typed)]))
    assert list(csv.reader(text.splitlines()))[1][0] == "'" + typed


@given(st.text())
def test_defused_cells_never_start_a_formula_and_keep_what_was_typed(cell):
    written = defuse(cell)
    assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert written.removeprefix("'") == cell or written == cell


@given(st.integers(min_value=1, max_value=MAX_PAYOUT_ID))
def test_references_read_back_as_the_payout_they_name(payout_id):
    assert payout_id_from_reference(payout_reference(payout_id)) == payout_id
    assert payout_id_from_reference(" " + payout_reference(payout_id).lower() + " ") == payout_id


@pytest.mark.parametrize(
    "text",
    [
        "",
        "PODIUM-P",
        "PODIUM-P12",
        "PODIUM-Q000001",
        "P000001",
        "PODIUM-P00000x",
        "PODIUM-P000000",
        f"PODIUM-P{MAX_PAYOUT_ID + 1}",  # past any id the database can hold
    ],
)
def test_text_that_is_not_a_reference_names_no_payout(text):
    assert payout_id_from_reference(text) is None


def test_readable_rows_become_confirmations_in_minor_units():
    parsed = parse_confirmations(
        [HEADER, 'PODIUM-P000001,BANK-1,"5,000.50",eur\r\n', "podium-p000002, BANK-2 ,1200,JPY\r\n"]
    )
    assert parsed.ok
    assert [
        (c.line, c.payout_id, c.bank_reference, c.amount_minor, c.currency) for c in parsed.confirmations
    ] == [
        (2, 1, "BANK-1", 500_050, "EUR"),
        (3, 2, "BANK-2", 1_200, "JPY"),
    ]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("PODIUM-P000001,BANK-1,0,EUR", "The amount must be more than zero."),
        ("PODIUM-P000001,BANK-1,-5.00,EUR", "The amount must be more than zero."),
        ("PODIUM-P000001,BANK-1,5.001,EUR", "EUR amounts have at most 2 decimal places."),
        (
            "PODIUM-P000001,BANK-1,five,EUR",
            "'five' is not an amount; write it like 5000 or 5,000.00, in the digits 0-9.",
        ),
        (
            "PODIUM-P000001,BANK-1,5.00,EURO",
            "'EURO' is not an ISO 4217 currency code in use (such as EUR or USD), nor PTS.",
        ),
        ("PODIUM-P000001,,5.00,EUR", "The bank reference is missing."),
        ("PODIUM-P000001,BANK-1", "The row stops before its amount, currency."),
        (
            "INV-7,BANK-1,5.00,EUR",
            "'INV-7' is not a Podium payout reference (they look like PODIUM-P000042).",
        ),
        (f"PODIUM-P000001,{'B' * 121},5.00,EUR", "The bank reference is longer than 120 characters."),
        ("PODIUM-P000001,BANK\x00-1,5.00,EUR", "The bank reference contains a control character."),
    ],
)
def test_each_unreadable_row_gets_its_own_problem(row, problem):
    parsed = parse_confirmations([HEADER, "PODIUM-P000009,BANK-9,1.00,EUR\r\n", row + "\r\n"])
    assert not parsed.ok
    assert parsed.problems == {3: problem}
    assert [c.line for c in parsed.confirmations] == [2]


def test_a_payout_or_bank_reference_twice_in_a_file_is_a_problem_on_the_later_row():
    parsed = parse_confirmations(
        [
            HEADER,
            "PODIUM-P000001,BANK-1,1.00,EUR\r\n",
            "PODIUM-P000001,BANK-2,1.00,EUR\r\n",
            "PODIUM-P000002,bank-1,1.00,EUR\r\n",
        ]
    )
    assert parsed.problems == {
        3: "This payout is already confirmed on line 2.",
        4: "Bank reference 'bank-1' is already used on line 2.",
    }


def test_a_file_with_too_many_rows_is_refused_whole():
    rows = [f"PODIUM-P{n:06d},BANK-{n},1.00,EUR\r\n" for n in range(1, MAX_ROWS + 2)]
    parsed = parse_confirmations([HEADER, *rows])
    assert parsed.file_problem == f"The file has more than {MAX_ROWS} rows; split it into smaller files."


def test_a_file_that_is_not_utf8_is_refused_whole():
    def lines():
        yield HEADER
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    assert parse_confirmations(lines()).file_problem.startswith("The file is not UTF-8 text.")
