"""Query-graph fixtures: an engine on each database and a small, fixed world seeded with Core inserts.

The modules' services are not used here on purpose: the query graph reads tables, so tests seed the
tables directly and stay independent of service behaviour.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import collection_versions
import pytest
from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from paymentgraph.db.base import metadata
from paymentgraph.db.session import create_engine, create_sessionmaker
from paymentgraph.links.registry import Registry, default_registry
from paymentgraph.query import QueryGraph

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@dataclass
class Db:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]

    def graph(self, registry: Registry | None = None) -> QueryGraph:
        return QueryGraph(self.sessionmaker, registry or default_registry())

    async def insert(self, table: str, *rows: dict[str, Any], registry: Registry | None = None) -> None:
        """Insert rows into a table (model tables, link tables of ``registry`` or the default one)."""
        target = _table(table, registry)
        async with self.engine.begin() as conn:
            await _seeding(conn)
            for row in rows:  # one by one: rows may leave different columns to their defaults
                await conn.execute(insert(target), row)

    async def insert_many(self, table: str, rows: list[dict[str, Any]]) -> None:
        """One executemany for rows that all set the same columns."""
        if rows:
            async with self.engine.begin() as conn:
                await _seeding(conn)
                await conn.execute(insert(_table(table)), rows)


async def _seeding(conn: AsyncConnection) -> None:
    if conn.dialect.name == "postgresql":
        await conn.execute(text(collection_versions.SEEDING))


def _table(name: str, registry: Registry | None = None) -> Table:
    """A model table, or a link table of ``registry`` (default: the default registry)."""
    link_table = (registry or default_registry()).link_tables.get(name)
    return link_table if link_table is not None else metadata.tables[name]


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Db]:
    engine = create_engine(database_url)
    try:
        yield Db(engine, create_sessionmaker(engine))
    finally:
        await engine.dispose()


@pytest.fixture
async def world(db: Db) -> Db:
    """The shared fixture world (see ``seed_world`` for what is in it)."""
    await seed_world(db)
    return db


def collection(id: str, amount: str, status: str, minutes: int, currency: str = "usd", **extra: Any) -> dict:
    return {
        "id": id,
        "currency_code": currency,
        "amount": Decimal(amount),
        "status": status,
        "created_at": at(minutes),
        "updated_at": at(minutes),
        **extra,
    }


def link(id: str, **keys: Any) -> dict[str, Any]:
    return {"id": id, **keys}


async def seed_world(db: Db) -> None:
    """Regions, customers, providers, carts, orders with a claim and an exchange, collections with
    sessions, payments, captures and refunds, and every link, with soft-deleted rows mixed in."""
    gone = {"deleted_at": at(100)}
    await db.insert(
        "region",
        {"id": "reg_eu", "name": "Europe", "currency_code": "eur"},
        {"id": "reg_us", "name": "United States", "currency_code": "usd"},
    )
    await db.insert(
        "customer",
        {"id": "cus_a", "email": "ann@x.com", "first_name": "Ann"},
        {"id": "cus_b", "email": "bob@y.com", "first_name": "Bob"},
    )
    await db.insert(
        "payment_provider",
        {"id": "pp_system_default", "is_enabled": True},
        {"id": "pp_stripe_stripe", "is_enabled": True},
        {"id": "pp_old", "is_enabled": False, **gone},
    )
    await db.insert(
        "cart",
        {"id": "cart_1", "region_id": "reg_eu", "customer_id": "cus_a", "email": "ann@x.com",
         "currency_code": "eur", "total": Decimal("40.00"), "created_at": at(1)},
        {"id": "cart_2", "region_id": "reg_us", "customer_id": None, "email": "zed@z.com",
         "currency_code": "usd", "total": Decimal("100"), "created_at": at(2)},
        {"id": "cart_3", "region_id": "reg_eu", "customer_id": "cus_b", "email": "bob@y.com",
         "currency_code": "eur", "total": Decimal("15.5"), "created_at": at(3)},
    )  # fmt: skip
    await db.insert(
        "cart_line_item",
        {"id": "cali_1", "cart_id": "cart_1", "title": "Shirt", "quantity": 2,
         "unit_price": Decimal("20"), "total": Decimal("40")},
    )  # fmt: skip
    await db.insert(
        "payment_collection",
        collection("pc_1", "40.00", "authorized", 10, "eur"),
        collection("pc_2", "100", "not_paid", 20),
        collection("pc_3", "15.50", "canceled", 30, "eur"),
        collection("pc_4", "7", "not_paid", 40),
        collection("pc_gone", "1", "not_paid", 50, **gone),
    )
    await db.insert(
        "payment_session",
        {"id": "ps_1a", "payment_collection_id": "pc_1", "currency_code": "eur", "amount": Decimal("40"),
         "provider_id": "pp_system_default", "status": "authorized", "created_at": at(11)},
        {"id": "ps_1b", "payment_collection_id": "pc_1", "currency_code": "eur", "amount": Decimal("40"),
         "provider_id": "pp_stripe_stripe", "status": "error", "created_at": at(12)},
        {"id": "ps_1c", "payment_collection_id": "pc_1", "currency_code": "eur", "amount": Decimal("40"),
         "provider_id": "pp_stripe_stripe", "status": "pending", "created_at": at(13), **gone},
        {"id": "ps_2a", "payment_collection_id": "pc_2", "currency_code": "usd", "amount": Decimal("100"),
         "provider_id": "pp_stripe_stripe", "status": "pending", "created_at": at(21)},
    )  # fmt: skip
    await db.insert(
        "payment",
        {"id": "pay_1", "payment_collection_id": "pc_1", "payment_session_id": "ps_1a",
         "amount": Decimal("40"), "currency_code": "eur", "provider_id": "pp_system_default",
         "captured_amount": Decimal("40"), "refunded_amount": Decimal("5"), "created_at": at(14)},
    )  # fmt: skip
    await db.insert(
        "capture",
        {"id": "capt_1", "payment_id": "pay_1", "amount": Decimal("10"), "created_at": at(15)},
        {"id": "capt_2", "payment_id": "pay_1", "amount": Decimal("30"), "created_at": at(16)},
    )
    await db.insert("refund", {"id": "ref_1", "payment_id": "pay_1", "amount": Decimal("5")})
    await db.insert(
        "order",
        {"id": "order_1", "display_id": 1, "region_id": "reg_eu", "customer_id": "cus_a",
         "cart_id": "cart_1", "email": "ann@x.com", "currency_code": "eur", "created_at": at(5)},
        {"id": "order_2", "display_id": 2, "region_id": "reg_us", "customer_id": None,
         "email": "zed@z.com", "currency_code": "usd", "created_at": at(6)},
    )  # fmt: skip
    await db.insert("order_claim", {"id": "claim_1", "order_id": "order_1", "type": "refund"})
    await db.insert("order_exchange", {"id": "exc_1", "order_id": "order_1"})
    await db.insert(
        "account_holder",
        {"id": "acc_1", "provider_id": "pp_system_default", "external_id": "x1", "email": "ann@x.com"},
        {"id": "acc_2", "provider_id": "pp_stripe_stripe", "external_id": "x2", "email": "ann@x.com"},
    )
    # Links, with a dismissed (soft-deleted) row in most tables: it must never show.
    await db.insert(
        "cart_payment_collection",
        link("capaycol_1", cart_id="cart_1", payment_collection_id="pc_1"),
        link("capaycol_2", cart_id="cart_2", payment_collection_id="pc_2"),
        link("capaycol_3", cart_id="cart_3", payment_collection_id="pc_3", **gone),
    )
    await db.insert(
        "order_payment_collection",
        link("ordpay_1", order_id="order_1", payment_collection_id="pc_1"),
        link("ordpay_2", order_id="order_1", payment_collection_id="pc_3"),
        link("ordpay_3", order_id="order_2", payment_collection_id="pc_4", **gone),
    )
    await db.insert(
        "order_claim_payment_collection", link("claimpay_1", claim_id="claim_1", payment_collection_id="pc_2")
    )
    await db.insert(
        "order_exchange_payment_collection",
        link("excpay_1", exchange_id="exc_1", payment_collection_id="pc_3"),
    )
    await db.insert(
        "region_payment_provider",
        link("regpp_1", region_id="reg_eu", payment_provider_id="pp_system_default"),
        link("regpp_2", region_id="reg_eu", payment_provider_id="pp_stripe_stripe"),
        link("regpp_3", region_id="reg_us", payment_provider_id="pp_system_default"),
        link("regpp_4", region_id="reg_us", payment_provider_id="pp_old"),
    )
    await db.insert(
        "customer_account_holder",
        link("custacchldr_1", customer_id="cus_a", account_holder_id="acc_1"),
        link("custacchldr_2", customer_id="cus_a", account_holder_id="acc_2"),
    )


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows]
