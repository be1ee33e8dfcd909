"""Reading the page number a query string asks for, the one way every paged list reads it.

Only ASCII digits make a number (``int("١٢")`` would read Arabic-Indic digits), and none past
``MAX_PAGE``: far beyond any list's last page, and small enough that the row offset it becomes stays
inside PostgreSQL's bigint (a page of 9223372036854775808 used to fail the query with a 500).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.numbers import is_ascii_number

MAX_PAGE = 1_000_000
_SHOWN = 40


@dataclass(frozen=True)
class PageAsked:
    """The page to show, and for people, why it is not the one asked for (None when it is)."""

    number: int
    problem: str | None = None
    beyond_the_last: bool = False


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def read_page(raw: str | None) -> PageAsked:
    """The page ``raw`` asks for: 1 when empty or not a page number (with a problem saying so), the
    last one allowed when past ``MAX_PAGE`` (``beyond_the_last``, so the list shows its last page)."""
    text = (raw or "").strip()
    if not text:
        return PageAsked(1)
    digits = text.lstrip("0")
    if not is_ascii_number(text) or not digits:
        return PageAsked(1, f"“{_shown(text)}” is not a page number; showing the first page.")
    # Compared by length first: int() of thousands of digits is slow, and refused past 4,300.
    if len(digits) > len(str(MAX_PAGE)) or int(digits) > MAX_PAGE:
        return PageAsked(MAX_PAGE, beyond_the_last=True)
    return PageAsked(int(digits))
