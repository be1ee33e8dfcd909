"""Where each role lands after signing in, and which redirect targets are safe."""

from __future__ import annotations

from urllib.parse import urlsplit

from app.accounts.models import User
from app.core.access import Role

# The first role a user holds in this order decides their home page.
ROLE_HOMES: tuple[tuple[Role, str], ...] = (
    (Role.ADMIN, "main.admin_home"),
    (Role.SPONSOR, "main.sponsor_home"),
    (Role.JUDGE, "main.judge_home"),
    (Role.CONTRIBUTOR, "main.contributor_home"),
)


def home_endpoint(user: User) -> str:
    roles = user.roles
    for role, endpoint in ROLE_HOMES:
        if role in roles:
            return endpoint
    return "main.index"


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target:
        return False
    if any(character in target for character in ("\\", "\r", "\n", "\t")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")
