"""Password hashes for staff sign-in (the web dashboard): argon2id (argon2-cffi), parameters and salt
stored in the hash, so they can be raised later and old hashes still verify (``needs_rehash``).

The hasher is injectable: production parameters (RFC 9106's low-memory profile, argon2-cffi's default)
unless a caller that is not production — the test suite — installs another with ``use_hasher``. A hash
carries its own parameters, so one made by any hasher verifies under any other."""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
PRODUCTION = profiles.RFC_9106_LOW_MEMORY  # argon2id, t=3, m=64 MiB, p=4
CHEAPEST = profiles.CHEAPEST  # for tests only: the same code path in microseconds

_hasher = PasswordHasher.from_parameters(PRODUCTION)


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Install ``hasher`` for every later hash and verification; returns the one it replaces."""
    global _hasher
    previous, _hasher = _hasher, hasher
    return previous


def current_hasher() -> PasswordHasher:
    return _hasher


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, stored: str | None) -> bool:
    """True if ``password`` matches ``stored``; False for no password, a malformed hash, or a mismatch."""
    if not stored:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


def weakness(password: str) -> str | None:
    """Why ``password`` is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if password.strip() != password:
        return "a password may not begin or end with white space"
    return None
