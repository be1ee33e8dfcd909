"""Organisations, users, their roles and skills, their signed-in sessions, the links e-mailed to them, and
the logs that rate limiting reads."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.access import Role
from app.core.timeutil import UTCDateTime, utcnow
from app.extensions import Model
from app.skills.models import Skill, UserSkill

DEFAULT_APPROVAL_CAP_HOURS = 8


class Organization(Model):
    """A company or group; the one with ``is_host`` runs the platform and its people are internal."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    is_host: Mapped[bool] = mapped_column(default=False)
    is_sponsor: Mapped[bool] = mapped_column(default=False)
    # On the host: the most manager-approved hours a week one person may hold across active challenges.
    approval_cap_hours_per_week: Mapped[int] = mapped_column(
        default=DEFAULT_APPROVAL_CAP_HOURS, server_default=str(DEFAULT_APPROVAL_CAP_HOURS)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    domains: Mapped[list[OrganizationDomain]] = relationship(
        back_populates="organization", cascade="all, delete-orphan", order_by="OrganizationDomain.domain"
    )
    members: Mapped[list[User]] = relationship(back_populates="organization")

    @property
    def domain_names(self) -> list[str]:
        return [entry.domain for entry in self.domains]

    def __repr__(self) -> str:
        return f"<Organization {self.name}>"


class OrganizationDomain(Model):
    """An e-mail domain that belongs to exactly one organisation (lower case, no @)."""

    __tablename__ = "organization_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(253), unique=True)

    organization: Mapped[Organization] = relationship(back_populates="domains")


class User(UserMixin, Model):
    """A person with a login; what they may do comes from their roles."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored as typed for display; uniqueness and lookup use the lower-cased ``email_key``.
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    is_active_account: Mapped[bool] = mapped_column(default=True)
    # Bumped when the password is set or changed, so an invitation link works only once.
    session_version: Mapped[int] = mapped_column(default=1)
    # When the person proved they read mail at ``email`` (a link we sent, an accepted invitation or a
    # password reset). Until then they are an outside contributor with no organisation by domain.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by the org chart import; analytics group internal participation by it.
    department: Mapped[str | None] = mapped_column(String(120))
    # What the person says they can give challenges beside their job; "For you" ranks by it.
    hours_available_per_week: Mapped[int | None] = mapped_column()
    # Only people who opt in appear on, and may see, the points leaderboard.
    shows_on_leaderboard: Mapped[bool] = mapped_column(default=False, server_default="0")

    organization: Mapped[Organization | None] = relationship(back_populates="members")
    manager: Mapped[User | None] = relationship(remote_side=[id], back_populates="reports")
    reports: Mapped[list[User]] = relationship(back_populates="manager")
    role_grants: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    skill_levels: Mapped[list[UserSkill]] = relationship(cascade="all, delete-orphan")
    # Read-only view of the same rows; change skills through ``skill_levels`` (accounts.update_profile).
    skills: Mapped[list[Skill]] = relationship(secondary="user_skills", order_by=Skill.name, viewonly=True)

    @property
    def roles(self) -> set[Role]:
        return {Role(grant.role) for grant in self.role_grants}

    def has_role(self, role: Role | str) -> bool:
        return Role(role) in self.roles

    @property
    def email_domain(self) -> str:
        return self.email.rsplit("@", 1)[-1].lower()

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_account

    @property
    def session_key(self) -> str | None:
        """The key of the server-side session this object was signed in or loaded with (see
        ``accounts.sessions``); not a column: the cookie holds the key, the database only its digest."""
        return self.__dict__.get("_session_key")

    @session_key.setter
    def session_key(self, key: str | None) -> None:
        self.__dict__["_session_key"] = key

    def get_id(self) -> str:
        return f"{self.id}:{self.session_key or ''}"

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class UserRole(Model):
    """A role granted to a user."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="role_grants")


class LoginFailure(Model):
    """A failed login, kept for the rate-limit window; keyed by the e-mail tried, not by user."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class UserSession(Model):
    """A signed-in browser. Its cookie names the user and a random key; only the key's SHA-256 digest is
    kept, and once ``ended_at`` is set (sign-out, password change or reset) the cookie signs nobody in."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EmailLink(Model):
    """A link e-mailed to prove the reader owns an address: to verify it, or to reset the password.

    The link is signed and names this row and a random nonce, kept here only as a SHA-256 digest. It
    works once (``used_at``), until ``expires_at``, and only for the address it was sent to.
    """

    __tablename__ = "email_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    email_key: Mapped[str] = mapped_column(String(320))
    nonce_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EmailLinkRequest(Model):
    """A request for a verification or password-reset e-mail, kept for the rate-limit window; keyed by
    the address asked about (registered or not) and the client, so limits hold across server processes."""

    __tablename__ = "email_link_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    email_key: Mapped[str] = mapped_column(String(320), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class TokenScope(enum.StrEnum):
    """What a personal API token may do: only read, or also change things."""

    READ = "read"
    READ_WRITE = "read_write"


class ApiToken(Model):
    """A personal API token. Only a SHA-256 digest of the secret is kept: the secret is shown once.

    ``prefix`` is the public start of the token, stored in clear so a request's token is found by an
    indexed lookup and people can tell their tokens apart; the digest then proves the rest.
    """

    __tablename__ = "api_tokens"
    READ_BOOKKEEPING = frozenset({"last_used_at"})  # updated by the reads it records (app.core.safe_methods)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(24), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(12), default=TokenScope.READ.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def may_write(self) -> bool:
        return self.scope == TokenScope.READ_WRITE.value

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix} user={self.user_id}>"
