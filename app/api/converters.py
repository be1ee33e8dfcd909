"""URL converters for API paths: ids the database can hold and entry aliases, nothing else.

A path that cannot name a row (a negative id, one past PostgreSQL's integer range, an alias with
odd characters) is answered 404 by the router and never reaches a query.
"""

from __future__ import annotations

from werkzeug.routing import BaseConverter, IntegerConverter

from app.core.numbers import MAX_ID

__all__ = ["MAX_ID", "AliasConverter", "BoundedIntConverter", "IdConverter"]

ALIAS_PATTERN = r"[A-Za-z0-9]{1,16}"


class IdConverter(IntegerConverter):
    """A row id: a whole number from 1 to MAX_ID."""

    def __init__(self, map, *args, **kwargs):  # werkzeug passes the map first
        super().__init__(map, min=1, max=MAX_ID)


class BoundedIntConverter(IntegerConverter):
    """The app-wide ``int``: any whole number PostgreSQL's integer can hold (0 included)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class AliasConverter(BaseConverter):
    """An entry alias such as K7QF."""

    regex = ALIAS_PATTERN
