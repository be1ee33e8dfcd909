"""Reading and checking an org chart CSV (email, name, manager_email, department), no database.

The rules an administrator can check by hand: the header names exactly these columns (in any order,
manager_email and department may be left out); each line needs a valid e-mail and a name; an e-mail
appears on one line only (every line carrying a repeated e-mail is refused, since we can't tell which
one is right); a manager is someone on another good line or someone who already has an account;
nobody ends up managing themselves through a chain (every line in such a loop is refused); and a
line whose manager was refused is refused too, so applying the good lines never leaves a dangling
or looping reporting line.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from app.core.text import TextError, clean_name, describe, first_control, unstorable

COLUMNS = ("email", "name", "manager_email", "department")
REQUIRED_COLUMNS = ("email", "name")
MAX_NAME, MAX_DEPARTMENT, MAX_EMAIL = 120, 120, 320
_EMAIL = re.compile(r"^[^@\s]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")


class OrgChartFileError(ValueError):
    """The file as a whole can't be read as an org chart (header, encoding, size)."""


@dataclass(frozen=True)
class Employee:
    """One good line: e-mails are lower-cased keys; an empty manager or department is None."""

    line: int
    email: str
    name: str
    manager_email: str | None
    department: str | None


@dataclass(frozen=True)
class LineError:
    line: int
    email: str
    reason: str


@dataclass(frozen=True)
class OrgChart:
    """What the file says: the lines that can be applied and every refused line with its reason."""

    employees: tuple[Employee, ...]
    errors: tuple[LineError, ...] = field(default=())

    @property
    def is_clean(self) -> bool:
        return not self.errors


def _key(text: str) -> str:
    return text.strip().lower()


def valid_email(text: str) -> bool:
    return len(text) <= MAX_EMAIL and bool(_EMAIL.match(text))


def read_header(header: list[str]) -> list[str]:
    """The column names, checked: unknown, repeated or missing required columns refuse the file."""
    names = [_key(name) for name in header]
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise OrgChartFileError(
            f"Unknown column{'s' if len(unknown) > 1 else ''} {', '.join(repr(n) for n in unknown)}; "
            f"the columns are {', '.join(COLUMNS)}."
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise OrgChartFileError(f"The column {repeated[0]!r} appears twice.")
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise OrgChartFileError(
            f"The file needs the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}."
        )
    return names


@dataclass(frozen=True)
class RawLine:
    """One non-blank line after the header, by column name, before any checking."""

    line: int
    values: Mapping[str, str]
    has_extra_values: bool = False


def parse(lines: Iterable[str], *, max_rows: int = 10_000) -> Iterator[RawLine]:
    """The lines after the header, read lazily; the header is checked before the first is yielded."""
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise OrgChartFileError("The file is empty; it needs a header line: " + ",".join(COLUMNS)) from None
    except csv.Error as error:
        raise OrgChartFileError(f"Line 1 is not valid CSV: {error}.") from None
    columns = read_header(header)
    rows = 0
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise OrgChartFileError(f"Line {reader.line_num} is not valid CSV: {error}.") from None
        if not any(value.strip() for value in values):
            continue
        rows += 1
        if rows > max_rows:
            raise OrgChartFileError(f"The file has more than {max_rows} people; split it.")
        padded = [*values, *[""] * (len(columns) - len(values))]
        yield RawLine(reader.line_num, dict(zip(columns, padded, strict=False)), len(values) > len(columns))


def _line_problem(raw: RawLine, email: str, manager: str | None) -> str | None:
    row = raw.values
    if raw.has_extra_values:
        return "The line has more values than the header has columns."
    if not email:
        return "The e-mail is missing."
    if not valid_email(email):
        return f"{row.get('email', '').strip()!r} is not an e-mail address."
    for column in COLUMNS:
        bad = unstorable(row.get(column, "")) or first_control(row.get(column, ""))
        if bad is not None:
            return f"The {column.replace('_', ' ')} contains {describe(bad)}, which no field accepts."
    name = row.get("name", "").strip()
    if not name:
        return "The name is missing."
    try:
        clean_name(name)
    except TextError as error:
        return str(error)
    if len(name) > MAX_NAME:
        return f"The name is longer than {MAX_NAME} characters."
    if len(row.get("department", "").strip()) > MAX_DEPARTMENT:
        return f"The department is longer than {MAX_DEPARTMENT} characters."
    if manager is not None and not valid_email(manager):
        return f"The manager's e-mail {row.get('manager_email', '').strip()!r} is not an e-mail address."
    if manager == email:
        return "A person can't be their own manager."
    return None


def _cycle_through(start: str, managers: Mapping[str, str | None]) -> list[str] | None:
    """The loop ``start`` reaches by following managers, or None when the chain ends."""
    seen: dict[str, int] = {}
    path: list[str] = []
    cursor: str | None = start
    while cursor is not None and cursor not in seen:
        seen[cursor] = len(path)
        path.append(cursor)
        cursor = managers.get(cursor)
    if cursor is None:
        return None
    loop = path[seen[cursor] :]
    return loop if start in loop else None


def check(rows: Iterable[RawLine], existing_managers: Mapping[str, str | None]) -> OrgChart:
    """Check every line. ``existing_managers`` maps each existing account's e-mail key to its
    manager's e-mail key (or None): managers may be people who are not in the file."""
    candidates: dict[int, Employee] = {}
    errors: dict[int, LineError] = {}
    lines_by_email: dict[str, list[int]] = {}
    for raw in rows:
        line, row = raw.line, raw.values
        email = _key(row.get("email", ""))
        manager = _key(row.get("manager_email", "")) or None
        problem = _line_problem(raw, email, manager)
        if problem:
            errors[line] = LineError(line, email, problem)
            continue
        department = row.get("department", "").strip() or None
        candidates[line] = Employee(line, email, clean_name(row["name"]), manager, department)
        lines_by_email.setdefault(email, []).append(line)
    for email, lines in lines_by_email.items():
        if len(lines) > 1:
            for line in lines:
                others = ", ".join(str(other) for other in lines if other != line)
                errors[line] = LineError(line, email, f"The e-mail {email} also appears on line {others}.")
                del candidates[line]
    # Drop lines whose manager is unknown, then loops, until nothing changes.
    while True:
        good = {employee.email: employee for employee in candidates.values()}
        dropped = False
        for line, employee in list(candidates.items()):
            manager = employee.manager_email
            if manager is not None and manager not in good and manager not in existing_managers:
                refused = next((e for e in errors.values() if e.email == manager), None)
                reason = (
                    f"The manager {manager} is on line {refused.line}, which was refused."
                    if refused
                    else f"The manager {manager} is neither in the file nor a Podium user."
                )
                errors[line] = LineError(line, employee.email, reason)
                del candidates[line]
                dropped = True
        if dropped:
            continue
        managers = dict(existing_managers) | {email: e.manager_email for email, e in good.items()}
        for line, employee in list(candidates.items()):
            loop = _cycle_through(employee.email, managers)
            if loop:
                chain = " → ".join([*loop, loop[0]])
                errors[line] = LineError(line, employee.email, f"Manager cycle: {chain}.")
                dropped = True
        for line in [line for line in candidates if line in errors]:
            del candidates[line]
        if not dropped:
            break
    return OrgChart(
        employees=tuple(candidates[line] for line in sorted(candidates)),
        errors=tuple(errors[line] for line in sorted(errors)),
    )
