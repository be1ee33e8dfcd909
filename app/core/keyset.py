"""Keyset paging of a select: the rows strictly after the last row a client saw, in the select's order.

A page resumes from the sort key's values of the previous page's last row instead of an offset, so
rows added or removed meanwhile never shift a page. The API signs those values into its cursors
(app/api/pagination.py); this module only builds and runs the query, so the API imports no session.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_

from app.extensions import db

# (column, descending): the query's full ordering, ending with a unique column.
SortKey = Sequence[tuple[Any, bool]]


def after(sort_key: SortKey, values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the ordering ``sort_key``."""
    clauses = []
    for index, (column, descending) in enumerate(sort_key):
        equal_before = [
            earlier == value for (earlier, _), value in zip(sort_key[:index], values, strict=False)
        ]
        beyond = column < values[index] if descending else column > values[index]
        clauses.append(and_(*equal_before, beyond))
    return or_(false(), *clauses)


def rows_after(query: Select, sort_key: SortKey, values: Sequence[Any] | None, limit: int) -> list[Any]:
    """Up to ``limit`` rows of ``query`` (ordered by ``sort_key``), after ``values`` unless None."""
    if values is not None:
        query = query.where(after(sort_key, values))
    return list(db.session.scalars(query.limit(limit)))
