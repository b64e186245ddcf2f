"""Seed PostgreSQL and SQLite with the benchmark graph through bulk inserts (seconds, not the service).

Each payment collection has 2 sessions, 1 payment (on the first session) with 2 captures and 1 refund,
and a cart linked one-to-one; every cart belongs to one region. Ids are deterministic and
``created_at`` strictly increases with the index, so every reader orders the rows the same way.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import orjson
from sqlalchemy import JSON, func, select
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine.url import make_url

from bench.settings import DATA_DIR, asyncpg_dsn, postgres_url, sqlite_url
from paymentgraph.db import migrate as migrations
from paymentgraph.db.base import metadata
from paymentgraph.db.session import create_engine
from paymentgraph.links.registry import default_registry

REGION_ID = "reg_BENCH00000000000000000000"
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
_TABLES = (
    "region",
    "cart",
    "payment_collection",
    "cart_payment_collection",
    "payment_session",
    "payment",
    "capture",
    "refund",
)


def _id(prefix: str, i: int, suffix: str = "") -> str:
    return f"{prefix}_BENCH{i:0{21 - len(suffix)}d}{suffix}"


def _amount(i: int) -> Decimal:
    return Decimal(f"{10 + i % 991}.{(i * 7) % 100:02d}")


@dataclass(frozen=True)
class SeedRows:
    """Rows per table, as column dicts (Python values: Decimal amounts, aware datetimes)."""

    tables: dict[str, list[dict[str, Any]]]

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables.items()}


def expected_counts(collections: int) -> dict[str, int]:
    n = collections
    return {
        "region": 1,
        "cart": n,
        "payment_collection": n,
        "cart_payment_collection": n,
        "payment_session": 2 * n,
        "payment": n,
        "capture": 2 * n,
        "refund": n,
    }


def build_rows(collections: int) -> SeedRows:
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in _TABLES}
    tables["region"].append(
        {
            "id": REGION_ID,
            "name": "Bench",
            "currency_code": "usd",
            "metadata": None,
            "created_at": EPOCH,
            "updated_at": EPOCH,
            "deleted_at": None,
        }
    )
    for graph in _collection_graphs(collections):
        for name, rows in graph.items():
            tables[name].extend(rows)
    return SeedRows(tables)


def _collection_graphs(collections: int) -> Iterator[dict[str, list[dict[str, Any]]]]:
    for i in range(collections):
        at = EPOCH + timedelta(seconds=i)
        stamps = {"created_at": at, "updated_at": at, "deleted_at": None}
        amount = _amount(i)
        first = (amount / 2).quantize(Decimal("0.01"))
        refund = (amount / 4).quantize(Decimal("0.01"))
        collection_id, cart_id = _id("pay_col", i), _id("cart", i)
        sessions = [_id("payses", i, "A"), _id("payses", i, "B")]
        payment_id = _id("pay", i)
        yield {
            "cart": [
                {
                    "id": cart_id,
                    "region_id": REGION_ID,
                    "customer_id": None,
                    "email": f"customer{i}@example.com",
                    "currency_code": "usd",
                    "total": amount,
                    "completed_at": None,
                    "metadata": None,
                    **stamps,
                }
            ],
            "payment_collection": [
                {
                    "id": collection_id,
                    "currency_code": "usd",
                    "amount": amount,
                    "authorized_amount": amount,
                    "captured_amount": amount,
                    "refunded_amount": refund,
                    "status": "completed",
                    "completed_at": at,
                    "metadata": None,
                    **stamps,
                }
            ],
            "cart_payment_collection": [
                {
                    "id": _id("capaycol", i),
                    "cart_id": cart_id,
                    "payment_collection_id": collection_id,
                    **stamps,
                }
            ],
            "payment_session": [
                {
                    "id": sid,
                    "payment_collection_id": collection_id,
                    "currency_code": "usd",
                    "amount": amount,
                    "provider_id": "pp_system_default",
                    "data": {},
                    "context": None,
                    "status": "authorized" if k == 0 else "canceled",
                    "authorized_at": at if k == 0 else None,
                    "metadata": None,
                    **stamps,
                }
                for k, sid in enumerate(sessions)
            ],
            "payment": [
                {
                    "id": payment_id,
                    "payment_collection_id": collection_id,
                    "payment_session_id": sessions[0],
                    "amount": amount,
                    "currency_code": "usd",
                    "provider_id": "pp_system_default",
                    "data": {},
                    "metadata": None,
                    "captured_at": at,
                    "canceled_at": None,
                    "captured_amount": amount,
                    "refunded_amount": refund,
                    **stamps,
                }
            ],
            "capture": [
                {
                    "id": _id("capt", i, s),
                    "payment_id": payment_id,
                    "amount": value,
                    "status": "succeeded",
                    "created_by": None,
                    "metadata": None,
                    **stamps,
                }
                for s, value in (("A", first), ("B", amount - first))
            ],
            "refund": [
                {
                    "id": _id("ref", i),
                    "payment_id": payment_id,
                    "amount": refund,
                    "refund_reason_id": None,
                    "note": None,
                    "status": "succeeded",
                    "created_by": None,
                    "metadata": None,
                    **stamps,
                }
            ],
        }


async def _ensure_postgres_database(url: str) -> None:
    name = make_url(url).database
    admin = asyncpg_dsn(make_url(url).set(database="postgres").render_as_string(hide_password=False))
    conn = await asyncpg.connect(admin, timeout=10)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrations.upgrade(engine)
    finally:
        await engine.dispose()


async def seed_postgres(collections: int, *, log: bool = True) -> str:
    """Create, migrate and fill the PostgreSQL bench database (kept when already seeded); its URL."""
    url = postgres_url()
    await _ensure_postgres_database(url)
    await _migrate(url)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        current = {t: await conn.fetchval(f'SELECT count(*) FROM "{t}"') for t in _TABLES}
        if current == expected_counts(collections):
            return url
        started = time.perf_counter()
        rows = build_rows(collections)
        async with conn.transaction():
            await conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in _TABLES) + " CASCADE")
            for name in _TABLES:
                await _copy(conn, name, rows.tables[name])
        await conn.execute("ANALYZE")
        if log:
            print(
                f"seeded PostgreSQL with {collections} collections in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
    finally:
        await conn.close()
    return url


async def _copy(conn: asyncpg.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    json_columns = {c.name for c in metadata.tables[table].columns if isinstance(c.type, JSON)}

    def value(column: str, raw: Any) -> Any:
        if column in json_columns and raw is not None:
            return orjson.dumps(raw).decode()
        return raw

    # asyncpg binary COPY takes jsonb as text.
    records = [tuple(value(c, row[c]) for c in columns) for row in rows]
    await conn.copy_records_to_table(table, records=records, columns=columns)


async def seed_sqlite(collections: int, *, log: bool = True) -> str:
    """Create, migrate and fill the SQLite bench file (Core inserts through the Money type); its URL."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    url = sqlite_url(collections)
    await _migrate(url)
    default_registry()
    engine = create_sync_engine(url.replace("+aiosqlite", ""))
    try:
        with engine.begin() as conn:
            current = {
                t: conn.execute(select(func.count()).select_from(metadata.tables[t])).scalar_one()
                for t in _TABLES
            }
            if current == expected_counts(collections):
                return url
            started = time.perf_counter()
            rows = build_rows(collections)
            for name in reversed(_TABLES):
                conn.execute(metadata.tables[name].delete())
            for name in _TABLES:
                conn.execute(metadata.tables[name].insert(), rows.tables[name])
        with engine.begin() as conn:
            # Without statistics SQLite reads children through the all-NULL deleted_at index.
            conn.exec_driver_sql("ANALYZE")
        if log:
            print(
                f"seeded SQLite with {collections} collections in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
    finally:
        engine.dispose()
    return url


async def seed_all(collections: int) -> tuple[str, str]:
    return await seed_postgres(collections), await seed_sqlite(collections)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    print(asyncio.run(seed_all(count)))
