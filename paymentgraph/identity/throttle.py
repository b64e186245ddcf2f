"""Failed-login throttling, per email and per client address, counted in the database.

Counting rows in the database (not in process memory) makes the limit hold across every worker. A
key at its limit is refused with TOO_MANY_REQUESTS and ``retryAfter`` (seconds until its oldest failure
in the window expires) before the password is even checked, so a throttled guess costs no hashing.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.db.types import utcnow
from paymentgraph.errors import TooManyRequests
from paymentgraph.identity.models import LoginFailure

THROTTLED_MESSAGE = "Too many failed sign-ins; try again later."


@dataclass(frozen=True)
class ThrottleLimits:
    per_email: int
    per_address: int
    window: timedelta


def failure_keys(email: str, address: str | None) -> dict[str, str]:
    """kind -> key; the email and address are hashed so the table keeps neither."""
    keys = {"email": "email:" + hashlib.sha256(email.encode()).hexdigest()}
    if address:
        keys["address"] = "address:" + hashlib.sha256(address.encode()).hexdigest()
    return keys


class LoginThrottle:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], limits: ThrottleLimits) -> None:
        self.sessionmaker = sessionmaker
        self.limits = limits

    def _limit(self, kind: str) -> int:
        return self.limits.per_email if kind == "email" else self.limits.per_address

    async def check(self, keys: dict[str, str]) -> None:
        """TOO_MANY_REQUESTS when any key has reached its limit within the window."""
        now = utcnow()
        since = now - self.limits.window
        async with read_session(self.sessionmaker) as session:
            for kind, key in keys.items():
                count, oldest = (
                    await session.execute(
                        select(func.count(), func.min(LoginFailure.created_at)).where(
                            LoginFailure.key == key, LoginFailure.created_at > since
                        )
                    )
                ).one()
                if count >= self._limit(kind):
                    retry_after = _seconds_until(oldest + self.limits.window, now)
                    raise TooManyRequests(THROTTLED_MESSAGE, retryAfter=retry_after)

    async def record_failure(self, keys: dict[str, str]) -> None:
        now = utcnow()
        async with write_transaction(self.sessionmaker) as session:
            # Failures older than the window count for nothing: drop them as new ones arrive.
            await session.execute(
                delete(LoginFailure).where(
                    LoginFailure.key.in_(list(keys.values())),
                    LoginFailure.created_at <= now - self.limits.window,
                )
            )
            session.add_all(
                [LoginFailure(id=new_id("lgnf"), key=key, created_at=now) for key in keys.values()]
            )

    async def clear(self, key: str) -> None:
        """Forget a key's failures (an email after a successful sign-in)."""
        async with write_transaction(self.sessionmaker) as session:
            await session.execute(delete(LoginFailure).where(LoginFailure.key == key))


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))
