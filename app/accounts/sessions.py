"""Server-side sessions: a signed-in browser is a row, so signing out ends it on the server too.

The session cookie names the user and a random key (Flask-Login keeps ``User.get_id()`` in it); only
the key's SHA-256 digest is stored. A cookie copied before sign-out, or before a password change or
reset, finds its row ended and signs nobody in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import User, UserSession
from app.core import audit
from app.core.timeutil import utcnow
from app.core.transactions import atomic
from app.extensions import db


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@atomic
def start_session(user: User) -> str:
    """Open a session for ``user`` (already authenticated by the caller) and return its key, which is
    also set on ``user`` so that Flask-Login's ``login_user`` puts it in the cookie."""
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, key_sha256=_digest(key)))
    db.session.commit()
    user.session_key = key
    return key


@atomic
def end_session(user: User) -> None:
    """Sign out: the session ``user`` was loaded with stops working at once, wherever its cookie is."""
    if not user.session_key:
        return
    session = db.session.scalar(
        select(UserSession).where(UserSession.key_sha256 == _digest(user.session_key))
    )
    if session is None or session.user_id != user.id or session.ended_at is not None:
        return
    session.ended_at = utcnow()
    audit.record("user.logged_out", user, actor=user)
    db.session.commit()


def end_every_session(user: User) -> int:
    """End all of ``user``'s sessions, in the caller's transaction (password change, reset, deactivation);
    how many were open."""
    now = utcnow()
    sessions = db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    ).all()
    for session in sessions:
        session.ended_at = now
    return len(sessions)


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: ``<user id>:<key>`` must name an open session of an existing user."""
    user_id, _, key = session_id.partition(":")
    if not user_id.isdigit() or not key:
        return None
    # The session, its person and their roles in one statement: every signed-in request reads them.
    found = (
        db.session.execute(
            select(UserSession, User)
            .join(User, User.id == UserSession.user_id)
            .options(joinedload(User.role_grants))
            .where(UserSession.key_sha256 == _digest(key))
        )
        .unique()
        .first()
    )
    if found is None:
        return None
    session, user = found
    if session.ended_at is not None or not hmac.compare_digest(str(session.user_id), user_id):
        return None
    if not user.is_active:  # a deactivated account is signed out everywhere at once
        return None
    user.session_key = key
    return user
