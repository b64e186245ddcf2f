"""Idempotency keys with Stripe's semantics, stored in the database.

``begin(scope, key, fingerprint)`` claims the key before the request runs: an insert that conflicts on
(scope, key) is the in-use guard, so of concurrent requests with one key exactly one runs. Then:

- a completed key with the same fingerprint returns the stored response (replay, no side effect);
- the same key with another fingerprint raises ``IDEMPOTENCY_KEY_REUSED``;
- a key still in progress raises ``IDEMPOTENCY_KEY_IN_USE`` while its request is alive: the request
  renews the claim's ``locked_at`` every ``stale_after / 3`` (:meth:`keep_alive`), so a claim not
  renewed for ``stale_after`` (10 s) belongs to a dead process (kill -9, OOM, lost host) and the
  retry takes it over;
- a key past ``expires_at`` (24 h) is treated as absent and overwritten; :meth:`prune` deletes expired
  rows in bulk (``python -m paymentgraph.idempotency.prune``), never on the request path.

``complete`` stores the response; ``release`` forgets a claim whose request never began executing
(validation failures are not stored, so a corrected retry may reuse the key).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.session import write_transaction
from paymentgraph.db.types import utcnow
from paymentgraph.errors import IdempotencyKeyInUse, IdempotencyKeyReused, InvalidData
from paymentgraph.idempotency import repository

log = logging.getLogger(__name__)

MAX_KEY_LENGTH = 255
KEY_TTL = timedelta(hours=24)
# A claim not renewed for this long belongs to a dead process. A heartbeat rather than a PostgreSQL
# advisory lock: the same on SQLite and PostgreSQL, no connection pinned per request, and a vanished
# host is noticed after seconds instead of at TCP keepalive's two hours. A live request renews every
# STALE_AFTER / 3, so only an event loop stalled for the whole 10 s could see its key taken over.
STALE_AFTER = timedelta(seconds=10)


@dataclass(frozen=True)
class StoredResponse:
    """The first response to a key: replayed as is."""

    status: int
    body: dict[str, Any]


def validate_key(key: str) -> str:
    if not key or not key.strip():
        raise InvalidData("Idempotency-Key must not be empty", field="Idempotency-Key")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidData(
            f"Idempotency-Key is {len(key)} characters long; at most {MAX_KEY_LENGTH} are allowed",
            field="Idempotency-Key",
        )
    return key


class IdempotencyStore:
    """Claims, completes, replays and prunes idempotency keys; ``clock`` is injectable for tests."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        ttl: timedelta = KEY_TTL,
        stale_after: timedelta = STALE_AFTER,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.ttl = ttl
        self.stale_after = stale_after
        self.clock = clock

    async def begin(self, scope: str, key: str, fingerprint: str) -> StoredResponse | None:
        """Claim ``key`` for this request (None: go ahead) or return the response to replay."""
        validate_key(key)
        now = self.clock()
        async with write_transaction(self.sessionmaker) as session:
            if await repository.claim_new(session, scope, key, fingerprint, now, now + self.ttl):
                return None
            row = await repository.get_locked(session, scope, key)
            if row is None:  # pruned between the insert and the read: claim again
                await repository.claim_new(session, scope, key, fingerprint, now, now + self.ttl)
                return None
            if row.expires_at <= now:
                await repository.reclaim(session, row, fingerprint, now, now + self.ttl)
                return None
            if row.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    "This Idempotency-Key was already used with a different request; "
                    "use a new key for a new request",
                    idempotency_key=key,
                )
            if row.status == "completed":
                return StoredResponse(status=row.response_status or 200, body=dict(row.response_body or {}))
            if row.locked_at <= now - self.stale_after:
                await repository.reclaim(session, row, fingerprint, now, now + self.ttl)
                return None
            raise IdempotencyKeyInUse(
                "A request with this Idempotency-Key is still running; retry after it finished",
                idempotency_key=key,
            )

    @asynccontextmanager
    async def keep_alive(self, scope: str, key: str, fingerprint: str) -> AsyncIterator[None]:
        """Renew this request's claim on ``key`` while the block runs (the claim's heartbeat)."""
        stopped = asyncio.Event()
        heartbeat = asyncio.create_task(self._beat(scope, key, fingerprint, stopped), name=f"claim {key}")
        try:
            yield
        finally:
            stopped.set()  # a renewal under way finishes rather than being cut off mid-write
            await asyncio.shield(heartbeat)

    async def _beat(self, scope: str, key: str, fingerprint: str, stopped: asyncio.Event) -> None:
        period = self.stale_after.total_seconds() / 3
        while True:
            try:
                await asyncio.wait_for(stopped.wait(), period)
                return
            except TimeoutError:
                pass
            try:
                async with write_transaction(self.sessionmaker) as session:
                    await repository.renew(session, scope, key, fingerprint, self.clock())
            except Exception:
                log.exception("could not renew the claim on Idempotency-Key %s", key)

    async def complete(
        self, scope: str, key: str, fingerprint: str, status: int, body: dict[str, Any]
    ) -> None:
        """Store the response of the request that claimed ``key``."""
        async with write_transaction(self.sessionmaker) as session:
            await repository.complete(session, scope, key, fingerprint, status, body)

    async def release(self, scope: str, key: str, fingerprint: str) -> None:
        """Forget this request's claim on ``key`` (it never began executing, or it was interrupted)."""
        async with write_transaction(self.sessionmaker) as session:
            await repository.release(session, scope, key, fingerprint)

    async def prune(self) -> int:
        """Delete expired keys; returns how many."""
        async with write_transaction(self.sessionmaker) as session:
            return await repository.delete_expired(session, self.clock())
