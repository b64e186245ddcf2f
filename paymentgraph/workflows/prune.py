"""Housekeeping off the request path: delete expired idempotency keys and old finished workflow runs.

Run it periodically (cron, a scheduler): ``python -m paymentgraph.workflows.prune`` (uses
``PAYMENTGRAPH_DATABASE_URL``). Expired keys are already ignored on the hot path; this only reclaims space.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.config import Settings
from paymentgraph.db.session import create_engine, create_sessionmaker
from paymentgraph.idempotency.store import KEY_TTL, IdempotencyStore
from paymentgraph.workflows.engine import prune_runs


async def prune(sessionmaker: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """Delete expired idempotency keys and finished runs older than the key lifetime: (keys, runs)."""
    keys = await IdempotencyStore(sessionmaker).prune()
    runs = await prune_runs(sessionmaker, KEY_TTL)
    return keys, runs


async def _main() -> None:
    engine = create_engine(Settings().database_url)
    try:
        keys, runs = await prune(create_sessionmaker(engine))
    finally:
        await engine.dispose()
    print(f"pruned {keys} idempotency keys and {runs} workflow runs")


if __name__ == "__main__":
    asyncio.run(_main())
