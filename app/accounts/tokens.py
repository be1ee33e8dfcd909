"""Personal API token services: issuing (the secret is shown once), revoking, and checking a token.

A token reads ``pdm_<12 hex>_<43 url-safe characters>``. The first part is its public prefix, kept
in clear for lookup; the whole string is kept only as a SHA-256 digest, which is enough for 256 bits
of randomness (no password-style stretching is needed when nobody chose the secret).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.accounts.models import ApiToken, TokenScope, User
from app.core import audit
from app.core.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from app.core.timeutil import utcnow
from app.core.transactions import atomic
from app.extensions import db

TOKEN_MARK = "pdm"  # noqa: S105  (the public start of every token, not a secret)
PREFIX_HEX_CHARS = 12
MAX_ACTIVE_TOKENS = 20
MAX_LIFETIME_DAYS = 366
DEFAULT_LIFETIME_DAYS = 90
# ``last_used_at`` is written at most this often per token, so reading the API is not a write storm.
LAST_USED_RESOLUTION = timedelta(minutes=1)
NOT_A_TOKEN = "The API token is not valid. Create a new one on your profile's tokens page."  # noqa: S105


@dataclass(frozen=True)
class IssuedToken:
    """A new token's row and its whole secret, which exists only in this answer."""

    token: ApiToken
    secret: str


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, the ones still usable first, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


@atomic
def issue_token(
    user: User,
    name: str,
    *,
    scope: str = TokenScope.READ.value,
    lifetime_days: int = DEFAULT_LIFETIME_DAYS,
    now: datetime | None = None,
) -> IssuedToken:
    """Create a token for ``user``; the caller shows ``secret`` once and never again."""
    now = now or utcnow()
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= 80:
        raise ValidationFailed("Name the token (up to 80 characters) so you can tell it apart.", field="name")
    if scope not in set(TokenScope):
        raise ValidationFailed("Choose read or read_write as the token's scope.", field="scope")
    if not 1 <= lifetime_days <= MAX_LIFETIME_DAYS:
        raise ValidationFailed(
            f"A token lives from 1 to {MAX_LIFETIME_DAYS} days; create a new one when it expires.",
            field="lifetime_days",
        )
    active = db.session.scalar(
        select(func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
    )
    if active >= MAX_ACTIVE_TOKENS:
        raise Conflict(
            f"You already have {MAX_ACTIVE_TOKENS} working tokens; revoke one you no longer use.",
            code="too_many_tokens",
        )
    prefix = f"{TOKEN_MARK}_{secrets.token_hex(PREFIX_HEX_CHARS // 2)}"
    secret = f"{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=prefix,
        secret_sha256=digest(secret),
        scope=scope,
        created_at=now,
        expires_at=now + timedelta(days=lifetime_days),
    )
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.created", token, actor=user, scope=scope, expires_at=token.expires_at.isoformat())
    db.session.commit()
    return IssuedToken(token, secret)


@atomic
def revoke_token(token_id: int, actor: User, *, now: datetime | None = None) -> ApiToken:
    """Stop a token working, from the very next request; revoking twice changes nothing."""
    now = now or utcnow()
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.id:
        raise NotFound("No such token of yours.")
    if token.revoked_at is not None:
        return token
    token.revoked_at = now
    audit.record("api_token.revoked", token, actor=actor)
    db.session.commit()
    return token


def _parse(raw: str) -> str | None:
    """The prefix of a well-formed token, or None."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_MARK or len(parts[1]) != PREFIX_HEX_CHARS or not parts[2]:
        return None
    return f"{parts[0]}_{parts[1]}"


@atomic
def authenticate_token(raw: str, *, now: datetime | None = None) -> ApiToken:
    """The token a request presents, checked against its digest, expiry, revocation and owner.

    Every refusal is a 401 with a code saying which (so a script can tell "expired" from "wrong");
    none reveals anything about other people's tokens.
    """
    now = now or utcnow()
    prefix = _parse(raw.strip())
    # The token, its owner and their roles in one statement: every API request with a token reads them.
    token = (
        db.session.scalars(
            select(ApiToken)
            .options(joinedload(ApiToken.user).joinedload(User.role_grants))
            .where(ApiToken.prefix == prefix)
        )
        .unique()
        .first()
        if prefix
        else None
    )
    if token is None or not hmac.compare_digest(token.secret_sha256, digest(raw.strip())):
        raise Unauthenticated(NOT_A_TOKEN, code="invalid_token")
    if token.revoked_at is not None:
        raise Unauthenticated("This API token was revoked.", code="token_revoked")
    if now >= token.expires_at:
        raise Unauthenticated("This API token has expired; create a new one.", code="token_expired")
    if not token.user.is_active:
        raise Unauthenticated(NOT_A_TOKEN, code="invalid_token")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now  # bookkeeping shown on the tokens page, not a change worth an audit event
        db.session.commit()
    return token
