"""One guarantee for every service: it commits all of its change, or none of it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from app.extensions import db

P = ParamSpec("P")
R = TypeVar("R")


def atomic(service: Callable[P, R]) -> Callable[P, R]:
    """Roll the session back when the service raises, so a refusal never leaves half a change behind.

    Services commit themselves on success; this only cleans up after a refusal or a crash, for the
    caller (a view re-rendering a form, a job about to retry) that goes on using the session.
    """

    @wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return service(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise

    return run
