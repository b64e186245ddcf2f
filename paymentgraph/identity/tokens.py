"""Bearer tokens: random, prefixed by kind, known to the server only by their hash."""

from __future__ import annotations

import hashlib
import secrets

API_KEY_PREFIX = "pgk_"  # an admin API key
SESSION_PREFIX = "pgs_"  # a customer session


def new_token(prefix: str) -> str:
    """``prefix`` and 256 random bits, URL-safe."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def redact(token: str) -> str:
    """Enough of a token to recognise it in a list, far too little to use it."""
    return f"{token[: len(API_KEY_PREFIX) + 4]}…{token[-4:]}"


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (None: no header; "": another scheme)."""
    if authorization is None or not authorization.strip():
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return token.strip()
