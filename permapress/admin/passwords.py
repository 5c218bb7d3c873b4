"""Passwords (argon2id), second-factor codes (TOTP) and the random secrets the admin hands out.

Secrets given to people (invite links, session cookies, API tokens, preview links) are 256
random bits; only their SHA-256 is stored, so a copy of admin.sqlite opens no account.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import argon2
import pyotp
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane): a fraction of a second per
# sign-in, and each guess costs an attacker as much; older hashes with other parameters verify.
_HASHER = argon2.PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1,
                                type=argon2.Type.ID)  # fmt: skip
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_ok(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (an argon2id hash); never raises."""
    if not stored:
        # the same work as a real check, so a missing account takes as long as a wrong password
        _HASHER.hash(password)
        return False
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why ``password`` cannot be used, in one line, or None."""
    if len(password) < MIN_PASSWORD:
        return f"choose a password of at least {MIN_PASSWORD} characters"
    if not password.strip():
        return "a password cannot be only spaces"
    return None


def new_secret() -> str:
    """A URL-safe secret of 256 random bits."""
    return secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def totp_ok(secret: str, code: str, at: float) -> bool:
    """Whether ``code`` is the current code (or the one before or after, for clock drift)."""
    code = "".join(code.split())
    if not code.isdigit():
        return False
    return bool(pyotp.TOTP(secret).verify(code, for_time=at, valid_window=1))
