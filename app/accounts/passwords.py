"""Password hashing with Argon2id, the memory-hard KDF recommended for new systems (RFC 9106)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY
from flask import current_app

# Test runs hash hundreds of passwords; a cheap profile keeps them fast without changing the code path.
_TEST_PROFILE = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


@cache
def _hasher(fast: bool) -> PasswordHasher:
    if fast:
        return PasswordHasher(**_TEST_PROFILE)
    return PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)


def _current() -> PasswordHasher:
    return _hasher(bool(current_app.config.get("PASSWORD_HASH_FAST")))


def hash_password(password: str) -> str:
    return _current().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches; never raises for a wrong password or a corrupt hash."""
    try:
        return _current().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's, so login can upgrade it."""
    try:
        return _current().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


@cache
def _dummy_hash(fast: bool) -> str:
    return _hasher(fast).hash("not-a-real-password")


def burn_verification_time(password: str) -> None:
    """Spend the time a real check would, so a missing account is not revealed by a faster answer."""
    verify_password(_dummy_hash(bool(current_app.config.get("PASSWORD_HASH_FAST"))), password)
