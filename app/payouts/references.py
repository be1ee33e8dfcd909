"""Payout references: what finance writes on a transfer and reads back from the bank, e.g. PODIUM-P000042.

Pure, so the confirmations parser can read references without the database.
"""

from __future__ import annotations

import re

from app.core.numbers import MAX_ID, read_id

REFERENCE_PREFIX = "PODIUM-P"
MAX_PAYOUT_ID = MAX_ID  # a payout's id is a PostgreSQL integer; larger numbers name no payout
# The digits 0-9 only: \d would also read "٠٠٠٠٤٢" as 42.
_REFERENCE = re.compile(rf"^{REFERENCE_PREFIX}([0-9]{{6,}})$")


def payout_reference(payout_id: int) -> str:
    return f"{REFERENCE_PREFIX}{payout_id:06d}"


def payout_id_from_reference(reference: str) -> int | None:
    """The payout id inside a reference; None when the text is not one of our references."""
    match = _REFERENCE.match((reference or "").strip().upper())
    if match is None:
        return None
    return read_id(match.group(1).lstrip("0") or "0")
