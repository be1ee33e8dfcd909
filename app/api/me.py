"""The caller's own account over the API: profile and personal API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import url_for
from pydantic import Field
from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts import tokens
from app.accounts.models import ApiToken, User
from app.api.auth import token_in_use
from app.api.pagination import paginate
from app.api.registry import operation
from app.api.schemas import Input, Output, PageQuery, text
from app.core.errors import PermissionDenied

TAG = "me"
ScopeName = Literal["read", "read_write"]


class OrganizationOut(Output):
    id: int
    name: str


class MeOut(Output):
    id: int
    email: str
    display_name: str
    timezone: str
    roles: list[str]
    organization: OrganizationOut | None
    is_internal: bool
    skills: list[str]


class ProfilePatch(Input):
    display_name: text(120, 1) | None = None
    timezone: text(64, 1) | None = Field(default=None, description="IANA name such as Europe/Paris")
    skills: list[text(80, 1)] | None = Field(default=None, max_length=30)


class TokenOut(Output):
    id: int
    name: str
    prefix: str = Field(description="the token's public start, to tell tokens apart")
    scope: ScopeName
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenList(Output):
    items: list[TokenOut]
    next_cursor: str | None


class TokenIn(Input):
    name: text(80, 1)
    scope: ScopeName = "read"
    lifetime_days: int = Field(default=tokens.DEFAULT_LIFETIME_DAYS, ge=1, le=tokens.MAX_LIFETIME_DAYS)


class IssuedTokenOut(Output):
    token: TokenOut
    secret: str = Field(description="the whole token; shown this once, stored only as a digest")


def me_out(user: User) -> MeOut:
    organization = user.organization
    return MeOut(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        timezone=user.timezone,
        roles=sorted(role.value for role in user.roles),
        organization=OrganizationOut(id=organization.id, name=organization.name) if organization else None,
        is_internal=accounts.is_internal(user),
        skills=[skill.name for skill in user.skills],
    )


@operation("GET", "/me", summary="My profile", tag=TAG, response=MeOut, errors=(401,))
def get_me(user: User) -> MeOut:
    return me_out(user)


@operation(
    "PATCH",
    "/me",
    summary="Change my profile",
    tag=TAG,
    body=ProfilePatch,
    response=MeOut,
    errors=(400, 401, 403, 413, 415, 422),
)
def update_me(body: ProfilePatch, user: User) -> MeOut:
    """Fields left out (or null) keep their value."""
    accounts.update_profile(
        user,
        display_name=body.display_name if body.display_name is not None else user.display_name,
        timezone=body.timezone if body.timezone is not None else user.timezone,
        skills=body.skills if body.skills is not None else [skill.name for skill in user.skills],
    )
    return me_out(user)


@operation(
    "GET",
    "/me/tokens",
    summary="List my API tokens",
    tag=TAG,
    query=PageQuery,
    response=TokenList,
    errors=(400, 401, 422),
)
def list_tokens(query: PageQuery, user: User) -> TokenList:
    """Newest first, revoked and expired ones included; secrets are never shown again."""
    page = paginate(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()),
        ((ApiToken.id, True),),
        lambda token: [token.id],
        list_name="tokens",
        cursor=query.cursor,
        limit=query.limit,
        filters={"user": user.id},
    )
    return TokenList(items=[TokenOut.model_validate(row) for row in page.rows], next_cursor=page.next_cursor)


@operation(
    "POST",
    "/me/tokens",
    summary="Create an API token (signed-in browser sessions only)",
    tag=TAG,
    body=TokenIn,
    response=IssuedTokenOut,
    status=201,
    errors=(400, 401, 403, 409, 413, 415, 422),
)
def create_token(body: TokenIn, user: User):
    """A token cannot create tokens (403 token_cannot_issue_tokens): a leaked token must not be able
    to outlive its own expiry or revocation. Create tokens signed in, here or on the profile page."""
    if token_in_use() is not None:
        raise PermissionDenied(
            "Tokens are created by a signed-in person, not by another token.",
            code="token_cannot_issue_tokens",
        )
    issued = tokens.issue_token(user, body.name, scope=body.scope, lifetime_days=body.lifetime_days)
    return IssuedTokenOut(token=TokenOut.model_validate(issued.token), secret=issued.secret), {
        "Location": url_for("api.list_tokens")
    }


@operation(
    "DELETE",
    "/me/tokens/<id:token_id>",
    summary="Revoke one of my API tokens",
    tag=TAG,
    errors=(401, 403, 404),
)
def revoke_token(token_id: int, user: User) -> None:
    """Takes effect at once: the very next request with that token is refused (401 token_revoked)."""
    tokens.revoke_token(token_id, user)
