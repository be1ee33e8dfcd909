"""Proving that people own their e-mail addresses: sign-up with a verification link, and password reset.

Each link is signed, names a stored ``EmailLink`` and a random nonce (kept as a digest), works once and
expires. Asking for a link is rate-limited per address and per client in the database, so the limits
hold across server processes; and the answer never says whether an address has an account.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from app.accounts import services
from app.accounts.hooks import account_email
from app.accounts.models import EmailLink, EmailLinkRequest, User
from app.accounts.passwords import hash_password
from app.accounts.sessions import end_every_session
from app.core import audit
from app.core.errors import PermissionDenied, RateLimited
from app.core.timeutil import utcnow
from app.core.transactions import atomic
from app.extensions import db

VERIFY, RESET = "verify", "reset"
LIFETIMES = {VERIFY: timedelta(hours=48), RESET: timedelta(hours=1)}
PATHS = {VERIFY: "/account/verify/", RESET: "/account/reset/"}
TOO_MANY_REQUESTS = "Too many e-mails were asked for, for this address or from this network. Try again later."
LINK_INVALID = "This link is not valid. Ask for a new one."
LINK_USED = "This link was already used. Ask for a new one if you still need it."
LINK_EXPIRED = "This link has expired. Ask for a new one."


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"podium-email-link-{purpose}")


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _count_since(column, value: str) -> int:
    since = utcnow() - current_app.config["EMAIL_LINK_WINDOW"]
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(EmailLinkRequest)
            .where(column == value, EmailLinkRequest.occurred_at >= since)
        )
        or 0
    )


def _count_request(purpose: str, address_key: str, remote_addr: str) -> None:
    """Refuse past either limit (the same answer for registered and unknown addresses); else log it."""
    config = current_app.config
    if (
        _count_since(EmailLinkRequest.email_key, address_key) >= config["EMAIL_LINK_MAX_PER_ADDRESS"]
        or _count_since(EmailLinkRequest.remote_addr, remote_addr) >= config["EMAIL_LINK_MAX_PER_CLIENT"]
    ):
        raise RateLimited(TOO_MANY_REQUESTS)
    db.session.add(EmailLinkRequest(purpose=purpose, email_key=address_key, remote_addr=remote_addr[:64]))


def _issue(user: User, purpose: str) -> str:
    """A new link for ``user`` (in the caller's transaction); earlier unused ones of its kind stop working."""
    now = utcnow()
    db.session.execute(
        update(EmailLink)
        .where(EmailLink.user_id == user.id, EmailLink.purpose == purpose, EmailLink.used_at.is_(None))
        .where(EmailLink.expires_at > now)
        .values(expires_at=now)
    )
    nonce = secrets.token_urlsafe(24)
    link = EmailLink(
        user_id=user.id,
        purpose=purpose,
        email_key=user.email_key,
        nonce_sha256=_digest(nonce),
        created_at=now,
        expires_at=now + LIFETIMES[purpose],
    )
    db.session.add(link)
    db.session.flush()
    token = _serializer(purpose).dumps({"link": link.id, "nonce": nonce})
    return f"{current_app.config['PUBLIC_URL']}{PATHS[purpose]}{token}"


def _redeem(purpose: str, token: str, *, lock: bool = True) -> tuple[EmailLink, User]:
    """The link and its person (the link locked, unless only looked at) if ``token`` is a live link of
    this kind; refused otherwise."""
    try:
        data = _serializer(purpose).loads(token, max_age=int(LIFETIMES[purpose].total_seconds()))
    except SignatureExpired:
        raise PermissionDenied(LINK_EXPIRED) from None
    except BadSignature:
        raise PermissionDenied(LINK_INVALID) from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("link"), int)
        or not isinstance(data.get("nonce"), str)
    ):
        raise PermissionDenied(LINK_INVALID)
    query = select(EmailLink).where(EmailLink.id == data["link"])
    link = db.session.scalar(query.with_for_update() if lock else query)
    if (
        link is None
        or link.purpose != purpose
        or not hmac.compare_digest(link.nonce_sha256, _digest(data["nonce"]))
    ):
        raise PermissionDenied(LINK_INVALID)
    if link.used_at is not None:
        raise PermissionDenied(LINK_USED)
    if link.expires_at <= utcnow():
        raise PermissionDenied(LINK_EXPIRED)
    user = db.session.get(User, link.user_id)
    if user is None or user.email_key != link.email_key or not user.is_active:
        raise PermissionDenied(LINK_INVALID)
    return link, user


def _mark_verified(user: User) -> None:
    """The person reads mail at their address: record it, and they join the organisation owning its domain."""
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    if user.organization is None:
        user.organization = services.organization_for_email(user.email)


def _send_verification(user: User) -> None:
    url = _issue(user, VERIFY)
    account_email.answers(
        user.email,
        subject="Confirm your e-mail address for Podium",
        body=(
            f"Hello {user.display_name},\n\n"
            f"Confirm that {user.email} is your address by opening this link within 48 hours:\n\n{url}\n\n"
            "Until you confirm it, your account belongs to no organisation and counts as an outside "
            "contributor. If you did not create a Podium account, ignore this message."
        ),
    )


@atomic
def sign_up(email: str, display_name: str, password: str, remote_addr: str) -> User:
    """Self-registration: an unverified contributor account, and a link e-mailed to verify the address."""
    user = services.register_user(email, display_name, password, commit=False)
    _count_request(VERIFY, user.email_key, remote_addr)
    _send_verification(user)
    audit.record("user.verification_sent", user, actor=user)
    db.session.commit()
    return user


@atomic
def resend_verification(user: User, remote_addr: str) -> bool:
    """Send ``user`` a fresh verification link (the older ones stop working); False when already verified."""
    if user.is_email_verified:
        return False
    _count_request(VERIFY, user.email_key, remote_addr)
    _send_verification(user)
    audit.record("user.verification_sent", user, actor=user)
    db.session.commit()
    return True


def check_verification_link(token: str) -> User:
    """The person a verification link is for, if it is live; nothing changes (the page asks to confirm)."""
    return _redeem(VERIFY, token, lock=False)[1]


@atomic
def verify_email(token: str) -> User:
    """Use a verification link: the address is confirmed and the person joins their domain's organisation."""
    link, user = _redeem(VERIFY, token)
    link.used_at = utcnow()
    _mark_verified(user)
    audit.record("user.email_verified", user, actor=user, organization_id=user.organization_id)
    db.session.commit()
    return user


@atomic
def request_password_reset(email: str, remote_addr: str) -> None:
    """E-mail a reset link if ``email`` has an active account; say nothing either way."""
    address_key = services.email_key(email)
    _count_request(RESET, address_key, remote_addr)
    user = services.find_user_by_email(address_key)
    if user is not None and user.is_active:
        url = _issue(user, RESET)
        account_email.answers(
            user.email,
            subject="Reset your Podium password",
            body=(
                f"Hello {user.display_name},\n\n"
                "Someone, hopefully you, asked to reset the password of the Podium account for this "
                f"address. Choose a new password within 60 minutes here:\n\n{url}\n\n"
                "The link works once. If you did not ask, ignore this message: your password stays as it is."
            ),
        )
        audit.record("user.password_reset_requested", user, actor=None, remote_addr=remote_addr)
    else:
        audit.record(
            "user.password_reset_requested", subject_type="login", subject_id=None, remote_addr=remote_addr
        )
    db.session.commit()


def check_reset_link(token: str) -> User:
    """The person a reset link is for, if it is live; nothing changes."""
    return _redeem(RESET, token, lock=False)[1]


@atomic
def reset_password(token: str, password: str) -> User:
    """Use a reset link: the new password replaces the old, every session ends, and since the link came
    by e-mail the address counts as verified."""
    link, user = _redeem(RESET, token)
    services.check_password_strength(password)
    link.used_at = utcnow()
    user.password_hash = hash_password(password)
    user.session_version += 1  # an outstanding invitation link stops working too
    ended = end_every_session(user)
    _mark_verified(user)
    audit.record("user.password_reset", user, actor=user, sessions_ended=ended)
    db.session.commit()
    return user
