"""The payout batch file finance downloads: one CSV line per payout, written a line at a time.

Pure: it turns plain rows into CSV text and knows nothing of Flask or the database. Cells a person typed
(names, e-mail addresses) are defused so a spreadsheet never runs them as formulas.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

BATCH_COLUMNS = ("recipient", "email", "amount", "currency", "reference", "payee_details")
# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class BatchLine:
    """One payout as finance pays it; ``amount`` is already written with the currency's decimals."""

    recipient: str
    email: str
    amount: str
    currency: str
    reference: str
    payee_details: str


def batch_filename(batch_id: int) -> str:
    return f"payout-batch-{batch_id}.csv"


def defuse(cell: str) -> str:
    """The cell as text a spreadsheet shows as typed: a leading formula character gets a quote mark."""
    return f"'{cell}" if cell.startswith(_FORMULA_STARTS) else cell


def _csv_line(values: Iterable[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def batch_csv(lines: Iterable[BatchLine]) -> Iterator[str]:
    """The header, then one CSV line per payout, produced as the rows arrive."""
    yield _csv_line(BATCH_COLUMNS)
    for line in lines:
        yield _csv_line(
            (
                defuse(line.recipient),
                defuse(line.email),
                line.amount,
                line.currency,
                line.reference,
                line.payee_details,
            )
        )
