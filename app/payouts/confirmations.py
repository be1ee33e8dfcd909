"""Reading finance's confirmations file: which payouts the bank paid, with which bank reference.

Pure: lines of CSV text in, one parsed confirmation or one problem per row out. The file is read a line at
a time. Whether a row matches a payout that is waiting to be paid is the service's question; this module
only says whether each row can be read at all.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.core.money import MoneyError, normalise_currency, parse_amount
from app.payouts.references import payout_id_from_reference

REQUIRED_COLUMNS = ("reference", "bank_reference", "amount", "currency")
MAX_ROWS = 5_000
MAX_BANK_REFERENCE = 120


@dataclass(frozen=True)
class Confirmation:
    """One readable row: payout ``payout_id`` was paid ``amount_minor`` ``currency`` under ``bank_reference``."""

    line: int
    reference: str
    payout_id: int
    bank_reference: str
    amount_minor: int
    currency: str


@dataclass
class ParsedConfirmations:
    """The readable rows, a problem per unreadable row (by line number), or one problem with the file."""

    confirmations: list[Confirmation] = field(default_factory=list)
    problems: dict[int, str] = field(default_factory=dict)
    references: dict[int, str] = field(default_factory=dict)  # line → reference as written, for the report
    file_problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.file_problem is None and not self.problems


def bank_reference_problem(bank_reference: str) -> str | None:
    """What is wrong with a bank reference as written (already stripped), or None when it can be kept."""
    if not bank_reference:
        return "The bank reference is missing."
    if len(bank_reference) > MAX_BANK_REFERENCE:
        return f"The bank reference is longer than {MAX_BANK_REFERENCE} characters."
    if any(ord(character) < 32 or ord(character) == 127 for character in bank_reference):
        return "The bank reference contains a control character."
    return None


def _header_positions(header: list[str]) -> dict[str, int] | str:
    names = [name.strip().lower().replace(" ", "_").replace("-", "_") for name in header]
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    if missing:
        return (
            f"The first line must name the columns {', '.join(REQUIRED_COLUMNS)}; "
            f"it lacks {', '.join(missing)}."
        )
    return {column: names.index(column) for column in REQUIRED_COLUMNS}


def _read_row(line: int, cells: dict[str, str]) -> Confirmation | str:
    payout_id = payout_id_from_reference(cells["reference"])
    if payout_id is None:
        return f"{cells['reference']!r} is not a Podium payout reference (they look like PODIUM-P000042)."
    bank_reference = cells["bank_reference"]
    problem = bank_reference_problem(bank_reference)
    if problem is not None:
        return problem
    try:
        currency = normalise_currency(cells["currency"])
        amount_minor = parse_amount(cells["amount"], currency)
    except MoneyError as error:
        return str(error)
    if amount_minor <= 0:
        return "The amount must be more than zero."
    return Confirmation(line, cells["reference"], payout_id, bank_reference, amount_minor, currency)


def parse_confirmations(lines: Iterable[str]) -> ParsedConfirmations:
    """Read the file; line numbers count from 1 at the header, as a spreadsheet numbers rows."""
    parsed = ParsedConfirmations()
    rows = csv.reader(lines, strict=True)
    try:
        header = next(rows, None)
        if header is None:
            parsed.file_problem = "The file is empty."
            return parsed
        positions = _header_positions(header)
        if isinstance(positions, str):
            parsed.file_problem = positions
            return parsed
        seen_payouts: dict[int, int] = {}
        seen_bank_references: dict[str, int] = {}
        for row in rows:
            line = rows.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(parsed.references) >= MAX_ROWS:
                parsed.file_problem = f"The file has more than {MAX_ROWS} rows; split it into smaller files."
                return parsed
            cells = {
                column: row[index].strip() if index < len(row) else "" for column, index in positions.items()
            }
            parsed.references[line] = cells["reference"]
            cut_off = [column for column, index in positions.items() if index >= len(row)]
            outcome = f"The row stops before its {', '.join(cut_off)}." if cut_off else _read_row(line, cells)
            if isinstance(outcome, str):
                parsed.problems[line] = outcome
                continue
            if outcome.payout_id in seen_payouts:
                parsed.problems[line] = (
                    f"This payout is already confirmed on line {seen_payouts[outcome.payout_id]}."
                )
                continue
            bank_key = outcome.bank_reference.lower()
            if bank_key in seen_bank_references:
                parsed.problems[line] = (
                    f"Bank reference {outcome.bank_reference!r} is already used on line "
                    f"{seen_bank_references[bank_key]}."
                )
                continue
            seen_payouts[outcome.payout_id] = line
            seen_bank_references[bank_key] = line
            parsed.confirmations.append(outcome)
    except UnicodeDecodeError:
        parsed.file_problem = "The file is not UTF-8 text. Save it as CSV (UTF-8) and try again."
    except csv.Error as error:
        parsed.file_problem = f"The file is not valid CSV: {error}."
    if parsed.file_problem is None and not parsed.references:
        parsed.file_problem = "The file has a header but no confirmations."
    return parsed
