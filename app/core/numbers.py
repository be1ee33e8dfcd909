"""Whole numbers from outside (query strings, form fields, JSON), read so PostgreSQL can hold them.

Only the ASCII digits 0-9 make a number: ``int()`` also reads Arabic-Indic and other digits, which
nobody means in a row id. An id past ``MAX_ID`` names no row, and sent to PostgreSQL it fails the
query with a 500 instead, so it is refused before any query is made.
"""

from __future__ import annotations

MAX_ID = 2**31 - 1  # the largest value of an integer primary key in PostgreSQL
MAX_BIGINT = 2**63 - 1


def is_ascii_number(text: str) -> bool:
    """Whether ``text`` is a whole number written with the digits 0-9 only."""
    return text.isascii() and text.isdigit()


def read_id(raw: object) -> int | None:
    """The row id ``raw`` names (an int, or ASCII digits), or None when it can name no row."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        number = raw
    elif isinstance(raw, str) and is_ascii_number(raw.strip()) and len(raw.strip()) <= len(str(MAX_ID)):
        number = int(raw.strip())
    else:
        return None
    return number if 1 <= number <= MAX_ID else None
