"""Writing many rows at once: one statement for tens of thousands of rows, whatever their number.

An executemany sends a statement per row (psycopg pipelines them, but each still costs the server a
parse and plan, and the driver its bookkeeping: about a second for 30,000 rows). On PostgreSQL the rows
travel instead as one JSON document that ``json_to_recordset`` turns back into typed rows inside the
server: one statement, one parameter, ids given in the rows' order. Elsewhere (the embedded SQLite)
an executemany, which costs little in process.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import FromClause, Table, insert, text

from app.extensions import db


def insert_rows(model_table: FromClause, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (each with the same keys, naming columns of the table, a model's ``__table__``)
    in the caller's transaction; columns left out take their defaults, as with ``insert()``."""
    if not rows:
        return
    table = cast(Table, model_table)
    dialect = db.session.get_bind().dialect
    if dialect.name != "postgresql":
        db.session.execute(insert(table), list(rows))
        return
    defaults = _defaults(table, set(rows[0]))
    if defaults:
        rows = [{**defaults, **row} for row in rows]
    columns = list(rows[0])
    document = _document(rows, columns)
    if document is None:
        db.session.execute(insert(table), list(rows))
        return
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    typed = ", ".join(f"{quote(name)} {table.c[name].type.compile(dialect=dialect)}" for name in columns)
    db.session.execute(
        text(
            f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({names}) "  # noqa: S608 - the table's own column names
            f"SELECT {names} FROM ROWS FROM (json_to_recordset(CAST(:rows AS json)) AS ({typed})) "
            f"WITH ORDINALITY AS bulk_row({names}, bulk_position) ORDER BY bulk_position"
        ),
        {"rows": document},
    )


def _defaults(table: Table, given: set[str]) -> dict[str, Any]:
    """The Python-side defaults (``mapped_column(default=...)``) of the columns the rows leave out,
    which an insert from a JSON document would otherwise leave NULL; a callable one is called once
    for all the rows, as they are written at one moment. Server defaults apply by themselves."""
    found: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.name in given or default is None or column.primary_key:
            continue
        if default.is_scalar:
            found[column.name] = default.arg  # type: ignore[attr-defined]
        elif default.is_callable:
            found[column.name] = default.arg(None)  # type: ignore[attr-defined]
    return found


def _document(rows: Sequence[Mapping[str, Any]], columns: list[str]) -> str | None:
    """The rows as one JSON array, or None when a value has no exact JSON form (a NaN, an infinity,
    an object JSON does not know): those rows go by executemany, through the driver's own adapters."""
    plain = [{name: _plain(row[name]) for name in columns} for row in rows]
    try:
        return json.dumps(plain, allow_nan=False)
    except (TypeError, ValueError):
        return None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a timezone-aware UTC time is required")
        return value.astimezone(UTC).isoformat()
    return value
