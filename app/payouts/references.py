"""Payout references: what finance writes on a transfer and reads back from the bank, e.g. PODIUM-P000042.

Pure, so the confirmations parser can read references without the database.
"""

from __future__ import annotations

import re

REFERENCE_PREFIX = "PODIUM-P"
MAX_PAYOUT_ID = 2**31 - 1  # a payout's id is a PostgreSQL integer; larger numbers name no payout
_REFERENCE = re.compile(rf"^{REFERENCE_PREFIX}(\d{{6,}})$")


def payout_reference(payout_id: int) -> str:
    return f"{REFERENCE_PREFIX}{payout_id:06d}"


def payout_id_from_reference(reference: str) -> int | None:
    """The payout id inside a reference; None when the text is not one of our references."""
    match = _REFERENCE.match((reference or "").strip().upper())
    if match is None:
        return None
    payout_id = int(match.group(1))
    return payout_id if 1 <= payout_id <= MAX_PAYOUT_ID else None
