"""Cursor pagination: each page ends with an opaque cursor naming where the next one starts.

The cursor holds the sort key of the page's last row (keyset pagination), so rows added or removed
meanwhile never shift a page, and it is signed, so a client can neither forge nor edit one. It is
bound to the list and filters it came from: using it elsewhere is a 400, not a strange page.
Running the query is app/core/keyset.py's; this module only signs and checks the cursors.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select

from app.core import keyset
from app.core.errors import PodiumError
from app.core.keyset import SortKey

DEFAULT_LIMIT, MAX_LIMIT = 20, 100
T = TypeVar("T")


class InvalidCursor(PodiumError):
    status = 400
    title = "Invalid cursor"
    code = "invalid_cursor"


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next_cursor: str | None


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="podium-api-cursor")


def _scope(list_name: str, filters: dict[str, Any]) -> str:
    return (
        list_name
        + ":"
        + hashlib.sha256(json.dumps(filters, sort_keys=True, default=str).encode()).hexdigest()[:16]
    )


def _encode(value: Any) -> Any:
    return {"t": value.isoformat()} if isinstance(value, datetime) else value


def _decode(value: Any) -> Any:
    return datetime.fromisoformat(value["t"]) if isinstance(value, dict) else value


def paginate(
    query: Select,
    sort_key: SortKey,
    key_of: Callable[[Any], Sequence[Any]],
    *,
    list_name: str,
    cursor: str | None,
    limit: int,
    filters: dict[str, Any] | None = None,
) -> Page:
    """One page of ``query`` (which must be ordered by ``sort_key``) after ``cursor``."""
    scope = _scope(list_name, filters or {})
    resume_after = None
    if cursor:
        try:
            data = _serializer().loads(cursor)
        except BadSignature:
            raise InvalidCursor("The cursor is not one this API issued; start again without it.") from None
        if not isinstance(data, dict) or data.get("s") != scope:
            raise InvalidCursor(
                "The cursor belongs to another list or other filters; start again without it."
            )
        resume_after = [_decode(value) for value in data["k"]]
    rows = keyset.rows_after(query, sort_key, resume_after, limit + 1)
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    key = [_encode(value) for value in key_of(rows[-1])]
    return Page(rows, _serializer().dumps({"s": scope, "k": key}))
