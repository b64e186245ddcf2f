"""Password hashing with Argon2id (argon2-cffi), off the event loop.

An unknown email is checked against a dummy hash made with the same parameters, so a wrong email and a
wrong password cost the same time and a caller cannot tell registered emails from others.
"""

from __future__ import annotations

import asyncio
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from paymentgraph.errors import InvalidData

MIN_LENGTH = 8
MAX_LENGTH = 1024  # hashing cost grows with the input: bound what a stranger can send

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not a password anyone has")


def check_new_password(password: object) -> str:
    if not isinstance(password, str) or not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidData(
            f"password must be a string of {MIN_LENGTH} to {MAX_LENGTH} characters", field="password"
        )
    return password


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _dummy_hash(), password[:MAX_LENGTH]) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; with no stored hash, spends the same time and says no."""
    return await asyncio.to_thread(_verify, stored, password)
