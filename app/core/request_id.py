"""The request id: one short token naming a request, carried into every log line it causes.

It lives in a context variable, so whatever runs for a request (a view, a service, a log call deep in
a library) and the background jobs that request enqueues (``app.ops.job_runs`` copies it into the RQ
job's meta) read the same value without passing it around. A client or a proxy in front of Podium may
name the request itself with ``X-Request-ID`` (nginx's ``$request_id``); only a plain token of letters,
digits, dots, dashes and underscores is taken, anything else gets a fresh id, so a header cannot forge
a log line or smuggle text into one.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar, Token

HEADER = "X-Request-ID"
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{8,128}")
_current: ContextVar[str | None] = ContextVar("podium_request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(offered: str | None) -> str:
    """The id a client offered when it is a plain token of 8 to 128 safe characters, else a new one."""
    if offered is not None and _ACCEPTED.fullmatch(offered):
        return offered
    return new_request_id()


def current_request_id() -> str | None:
    return _current.get()


def bind_request_id(value: str | None) -> Token[str | None]:
    """Make ``value`` the current id until ``reset_request_id`` is called with the returned token."""
    return _current.set(value)


def reset_request_id(token: Token[str | None]) -> None:
    _current.reset(token)
