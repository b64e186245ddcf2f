"""SQL of the idempotency key store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.ids import new_id
from paymentgraph.db.locking import for_update
from paymentgraph.db.statements import execute_dml, insert_for
from paymentgraph.idempotency.models import IdempotencyKey


async def claim_new(
    session: AsyncSession, scope: str, key: str, fingerprint: str, now: datetime, expires_at: datetime
) -> bool:
    """Insert an in-progress row for (scope, key); False when a row already exists."""
    result = await execute_dml(
        session,
        insert_for(session, IdempotencyKey)
        .values(
            id=new_id("idem"),
            scope=scope,
            key=key,
            fingerprint=fingerprint,
            status="in_progress",
            locked_at=now,
            expires_at=expires_at,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["scope", "key"]),
    )
    return bool(result.rowcount == 1)


async def get_locked(session: AsyncSession, scope: str, key: str) -> IdempotencyKey | None:
    query = select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
    return (await session.execute(for_update(session, query))).scalar_one_or_none()


async def reclaim(
    session: AsyncSession, row: IdempotencyKey, fingerprint: str, now: datetime, expires_at: datetime
) -> None:
    """Overwrite an expired or abandoned row as a fresh in-progress claim."""
    row.fingerprint = fingerprint
    row.status = "in_progress"
    row.response_status = None
    row.response_body = None
    row.locked_at = now
    row.expires_at = expires_at
    row.created_at = now
    await session.flush()


async def renew(session: AsyncSession, scope: str, key: str, fingerprint: str, now: datetime) -> None:
    """The heartbeat of an in-progress claim: its request is alive at ``now``."""
    await session.execute(
        update(IdempotencyKey)
        .where(
            IdempotencyKey.scope == scope,
            IdempotencyKey.key == key,
            IdempotencyKey.fingerprint == fingerprint,
            IdempotencyKey.status == "in_progress",
        )
        .values(locked_at=now)
    )


async def complete(
    session: AsyncSession, scope: str, key: str, fingerprint: str, status: int, body: dict[str, Any]
) -> None:
    await session.execute(
        update(IdempotencyKey)
        .where(
            IdempotencyKey.scope == scope,
            IdempotencyKey.key == key,
            IdempotencyKey.fingerprint == fingerprint,
            IdempotencyKey.status == "in_progress",
        )
        .values(status="completed", response_status=status, response_body=body)
    )


async def release(session: AsyncSession, scope: str, key: str, fingerprint: str) -> None:
    await session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.scope == scope,
            IdempotencyKey.key == key,
            IdempotencyKey.fingerprint == fingerprint,
            IdempotencyKey.status == "in_progress",
        )
    )


async def delete_expired(session: AsyncSession, now: datetime) -> int:
    result = await execute_dml(session, delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now))
    return int(result.rowcount or 0)
