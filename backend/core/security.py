"""Password hashing (argon2) and signed, expiring bearer tokens for staff accounts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .config import get_settings

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _sign(body: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def create_token(subject: str, ttl_seconds: int = 8 * 3600, purpose: str = "api") -> str:
    body = f"{purpose}:{subject}:{int(time.time()) + ttl_seconds}"
    raw = f"{body}:{_sign(body)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_token(token: str, purpose: str = "api") -> str | None:
    """The token's subject when the signature and expiry hold, else None."""
    try:
        padded = token + "=" * (-len(token) % 4)
        purpose_, subject, expires, signature = (
            base64.urlsafe_b64decode(padded.encode()).decode().rsplit(":", 3)
        )
    except (ValueError, UnicodeDecodeError):
        return None
    body = f"{purpose_}:{subject}:{expires}"
    if purpose_ != purpose or not hmac.compare_digest(signature, _sign(body)):
        return None
    if not expires.isdigit() or int(expires) < time.time():
        return None
    return subject


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
