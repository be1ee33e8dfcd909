"""Who may do what: the roles a person holds, and the route guards every blueprint shares (sign-in and
role checks that answer 403 by role)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol

from flask_login import current_user, login_required

from app.core.errors import PermissionDenied


class Role(enum.StrEnum):
    """What a user may do; a user may hold several."""

    ADMIN = "admin"
    SPONSOR = "sponsor"
    JUDGE = "judge"
    CONTRIBUTOR = "contributor"


class Actor(Protocol):
    """Whoever acts, as the layers below accounts see them: an id and the roles they hold."""

    id: int

    def has_role(self, role: Role) -> bool: ...


def role_required(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let the request through only for a signed-in user holding one of ``roles``."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.roles & set(roles):
                names = " or ".join(role.value for role in roles)
                raise PermissionDenied(f"This page is for the {names} role.")
            return view(*args, **kwargs)

        return guarded

    return decorate
