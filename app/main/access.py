"""Route guards shared by every blueprint: sign-in and role checks that answer 403 by role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask_login import current_user, login_required

from app.accounts.models import Role
from app.errors import PermissionDenied


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
