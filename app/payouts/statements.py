"""A person's points statement: the points credited to them, grouped by calendar quarter.

Pure: credits in, quarters out. Quarters are calendar quarters in the reader's timezone (Q1 is January to
March), oldest first, each with the balance it opened and closed on; quarters without a credit are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from itertools import groupby


@dataclass(frozen=True)
class Credit:
    """Points credited at a moment (timezone-aware), with what they were for."""

    credited_at: datetime
    points: int
    label: str


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int  # 1 to 4
    opening: int
    credits: tuple[Credit, ...]

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.number}"

    @property
    def total(self) -> int:
        return sum(credit.points for credit in self.credits)

    @property
    def closing(self) -> int:
        return self.opening + self.total


def quarter_of(moment: datetime, zone: tzinfo) -> tuple[int, int]:
    """(year, quarter) of ``moment`` as read on a calendar in ``zone``."""
    if moment.tzinfo is None:
        raise ValueError("credit times must be timezone-aware")
    local = moment.astimezone(zone)
    return local.year, (local.month - 1) // 3 + 1


def by_quarter(credits: Iterable[Credit], zone: tzinfo) -> list[Quarter]:
    """The credits grouped by quarter, oldest first, with running opening balances."""
    ordered = sorted(credits, key=lambda credit: credit.credited_at)
    quarters: list[Quarter] = []
    balance = 0
    for (year, number), group in groupby(ordered, key=lambda credit: quarter_of(credit.credited_at, zone)):
        quarter = Quarter(year, number, balance, tuple(group))
        quarters.append(quarter)
        balance = quarter.closing
    return quarters
