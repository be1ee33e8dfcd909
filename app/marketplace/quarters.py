"""Calendar quarters in UTC, named like "2026-Q3", for the points leaderboard."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

_NAME = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1 to 4

    @property
    def name(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def starts_at(self) -> datetime:
        return datetime(self.year, 3 * self.number - 2, 1, tzinfo=UTC)

    @property
    def ends_at(self) -> datetime:
        """The first moment after the quarter (exclusive bound)."""
        return self.next().starts_at

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)


def quarter_of(moment: datetime) -> Quarter:
    utc = moment.astimezone(UTC)
    return Quarter(utc.year, (utc.month - 1) // 3 + 1)


def parse_quarter(text: str) -> Quarter | None:
    """ "2026-Q3" → Quarter(2026, 3); anything else → None."""
    match = _NAME.match(text.strip().upper())
    if not match:
        return None
    year = int(match.group(1))
    return Quarter(year, int(match.group(2))) if 2000 <= year <= 2999 else None
