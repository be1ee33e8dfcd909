"""The audit log's filters as people type them into the query string, checked into plain values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.core.paging import read_page

MAX_TEXT = 120


@dataclass(frozen=True)
class AuditFilters:
    """Which events to show. Dates are whole days in the viewer's zone, both ends included."""

    actor: str = ""
    action: str = ""
    subject_type: str = ""
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    problems: tuple[str, ...] = field(default=(), compare=False)

    def query_args(self) -> dict[str, str]:
        """The query string that reproduces these filters (without the page), for links."""
        args = {
            "actor": self.actor,
            "action": self.action,
            "subject_type": self.subject_type,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return {name: value for name, value in args.items() if value}

    def utc_range(self, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """The UTC instants the chosen days span: from the first day's midnight to the day after the last."""
        start = datetime.combine(self.date_from, time(), zone) if self.date_from else None
        end = datetime.combine(self.date_to + timedelta(days=1), time(), zone) if self.date_to else None
        return start, end


def _text(args: Mapping[str, str], name: str) -> str:
    return " ".join((args.get(name) or "").split())[:MAX_TEXT]


def _day(raw: str, label: str, problems: list[str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(f"“{raw[:40]}” is not a date like 2025-03-31; the {label} filter is ignored.")
        return None


def parse_audit_filters(args: Mapping[str, str]) -> AuditFilters:
    """Check the query string; bad values are dropped and explained in ``problems``."""
    problems: list[str] = []
    date_from = _day(_text(args, "from"), "“from”", problems)
    date_to = _day(_text(args, "to"), "“to”", problems)
    if date_from and date_to and date_from > date_to:
        problems.append("The “from” date is after the “to” date; they were swapped.")
        date_from, date_to = date_to, date_from
    page = read_page(_text(args, "page"))
    if page.problem:
        problems.append(page.problem)
    return AuditFilters(
        actor=_text(args, "actor").lower(),
        action=_text(args, "action").lower(),
        subject_type=_text(args, "subject_type").lower(),
        date_from=date_from,
        date_to=date_to,
        page=page.number,
        problems=tuple(problems),
    )
