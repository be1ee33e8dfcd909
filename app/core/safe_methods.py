"""Nothing changes state on a GET: the database refuses, rather than a reviewer having to notice.

A link can be followed by anyone's browser, a crawler, a mail scanner or another site's ``<img>``, so
a request that only reads (GET, HEAD, OPTIONS) must never write. Every flush of the session inside
such a request is checked: a new, changed or deleted row raises ``WriteOnSafeMethod`` and nothing is
written, as do UPDATE and DELETE statements run through the session. The one exception is a column a
model lists in ``READ_BOOKKEEPING``, such as a token's "last used" time: it records the read itself.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class WriteOnSafeMethod(RuntimeError):
    """A request that may only read tried to write; the message names the rows."""


def _reading_request() -> str | None:
    """The method and path of the current request if it may only read, else None."""
    if has_request_context() and request.method in SAFE_METHODS:
        return f"{request.method} {request.path}"
    return None


def _bookkeeping_only(row: Any) -> bool:
    allowed: frozenset[str] = getattr(type(row), "READ_BOOKKEEPING", frozenset())
    state = inspect(row)
    changed = {attribute.key for attribute in state.attrs if attribute.history.has_changes()}
    return bool(changed) and changed <= allowed


@event.listens_for(Session, "before_flush")
def _refuse_writes_on_reads(session: Session, _flush_context: Any, _instances: Any) -> None:
    reading = _reading_request()
    if reading is None:
        return
    writes = [*session.new, *session.deleted, *(row for row in session.dirty if not _bookkeeping_only(row))]
    writes = [row for row in writes if row not in session.dirty or session.is_modified(row)]
    if writes:
        raise WriteOnSafeMethod(f"{reading} may only read, but it would write {writes!r}")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_writes_on_reads(execute_state: ORMExecuteState) -> None:
    reading = _reading_request()
    if reading is not None and (
        execute_state.is_update or execute_state.is_delete or execute_state.is_insert
    ):
        raise WriteOnSafeMethod(f"{reading} may only read, but it ran {execute_state.statement}")
