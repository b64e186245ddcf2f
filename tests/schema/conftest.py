"""Schema fixtures: the generated schema, an in-process executor and a small world seeded with Core inserts.

Services are not used on purpose: the schema reads through the query graph, so tests seed tables
directly and stay independent of service behaviour.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import collection_versions
import pytest
import strawberry
from sqlalchemy import Table, insert, text

from paymentgraph.config import Settings
from paymentgraph.db.base import metadata
from paymentgraph.links.registry import default_registry
from paymentgraph.schema import create_schema
from paymentgraph.schema.build import build_schema
from paymentgraph.schema.context import Context
from paymentgraph.schema.fastexec import FastExecutionContext

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
Execute = Callable[..., Awaitable[dict[str, Any]]]


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def table(name: str) -> Table:
    """An entity's table by entity name, or a link table by its name."""
    registry = default_registry()
    if name in registry.entities:
        return registry.entities[name].table
    if name in registry.link_tables:
        return registry.link_tables[name]
    return metadata.tables[name]


@pytest.fixture(scope="session")
def schema() -> strawberry.Schema:
    return build_schema()


@pytest.fixture
def execute(pg: Any, schema: strawberry.Schema) -> Execute:
    """``await execute(query, **variables)``: the result's data; any GraphQL error fails the test."""

    async def run(query: str, **variables: Any) -> dict[str, Any]:
        result = await schema.execute(query, variable_values=variables or None, context_value=Context(pg=pg))
        assert result.errors is None, result.errors
        assert result.data is not None
        return result.data

    return run


@pytest.fixture
def execute_raw(pg: Any, schema: strawberry.Schema) -> Callable[..., Awaitable[Any]]:
    """``await execute_raw(query, **variables)``: the full ExecutionResult (errors included)."""

    async def run(query: str, **variables: Any) -> Any:
        return await schema.execute(query, variable_values=variables or None, context_value=Context(pg=pg))

    return run


@dataclass
class World:
    """Ids of the seeded rows (see :func:`seed_world`)."""

    region: str
    customer: str
    carts: list[str]
    collections: list[str]
    order: str


async def insert_rows(pg: Any, name: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        async with pg.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Seeded rows never went through a service: no path for the test-only check to check.
                await conn.execute(text(collection_versions.SEEDING))
            await conn.execute(insert(table(name)), rows)


async def seed_collections(pg: Any, count: int, *, region: str = "reg_1", prefix: str = "") -> list[str]:
    """``count`` carts, each with a collection (2 sessions, 1 payment with 2 captures and 1 refund)."""
    carts, collections, sessions, payments, captures, refunds, items, links = [], [], [], [], [], [], [], []
    for i in range(count):
        n = f"{prefix}{i:03d}"
        amount = Decimal(10 + i).quantize(Decimal("0.01"))
        carts.append(
            {
                "id": f"cart_{n}",
                "email": f"buyer{n}@example.com",
                "currency_code": "usd",
                "region_id": region,
                "total": amount,
                "created_at": at(i),
                "updated_at": at(i),
            }
        )
        items.append(
            {
                "id": f"cali_{n}",
                "cart_id": f"cart_{n}",
                "title": f"Item {n}",
                "quantity": 1,
                "unit_price": amount,
                "total": amount,
            }
        )
        collections.append(
            {
                "id": f"pay_col_{n}",
                "currency_code": "usd",
                "amount": amount,
                "authorized_amount": amount,
                "captured_amount": Decimal("5.00"),
                "refunded_amount": Decimal("1.00"),
                "status": "partially_captured" if i % 2 else "authorized",
                "created_at": at(i),
                "updated_at": at(i),
            }
        )
        links.append({"id": f"capaycol_{n}", "cart_id": f"cart_{n}", "payment_collection_id": f"pay_col_{n}"})
        for s in range(2):
            sessions.append(
                {
                    "id": f"payses_{n}_{s}",
                    "payment_collection_id": f"pay_col_{n}",
                    "currency_code": "usd",
                    "amount": amount,
                    "provider_id": "pp_system_default" if s == 0 else "pp_stripe_stripe",
                    "data": {},
                    "status": "authorized" if s == 0 else "canceled",
                    "created_at": at(i * 10 + s),
                    "updated_at": at(i * 10 + s),
                }
            )
        payments.append(
            {
                "id": f"pay_{n}",
                "payment_collection_id": f"pay_col_{n}",
                "payment_session_id": f"payses_{n}_0",
                "amount": amount,
                "currency_code": "usd",
                "provider_id": "pp_system_default",
                "captured_amount": Decimal("5.00"),
                "refunded_amount": Decimal("1.00"),
                "created_at": at(i),
                "updated_at": at(i),
            }
        )
        for c in range(2):
            captures.append(
                {
                    "id": f"capt_{n}_{c}",
                    "payment_id": f"pay_{n}",
                    "amount": Decimal("2.50"),
                    "created_at": at(i * 10 + c),
                    "updated_at": at(i * 10 + c),
                }
            )
        refunds.append(
            {
                "id": f"ref_{n}",
                "payment_id": f"pay_{n}",
                "amount": Decimal("1.00"),
                "note": "damaged",
                "created_at": at(i),
                "updated_at": at(i),
            }
        )
    await insert_rows(pg, "cart", carts)
    await insert_rows(pg, "line_item", items)
    await insert_rows(pg, "payment_collection", collections)
    await insert_rows(pg, "cart_payment_collection", links)
    await insert_rows(pg, "payment_session", sessions)
    await insert_rows(pg, "payment", payments)
    await insert_rows(pg, "capture", captures)
    await insert_rows(pg, "refund", refunds)
    return [c["id"] for c in collections]


async def seed_world(pg: Any, collections: int = 4) -> World:
    """A region, a customer, ``collections`` carts with collections, and an order paid by the first two."""
    await insert_rows(pg, "region", [{"id": "reg_1", "name": "Europe", "currency_code": "eur"}])
    await insert_rows(pg, "customer", [{"id": "cus_1", "email": "ada@example.com", "first_name": "Ada"}])
    ids = await seed_collections(pg, collections)
    await insert_rows(
        pg,
        "order",
        [
            {
                "id": "order_1",
                "display_id": 1,
                "region_id": "reg_1",
                "customer_id": "cus_1",
                "currency_code": "usd",
                "total": Decimal("21.00"),
                "email": "ada@example.com",
            }
        ],
    )
    await insert_rows(pg, "order_payment_collection", [
        {"id": "ordpay_1", "order_id": "order_1", "payment_collection_id": ids[0]},
        {"id": "ordpay_2", "order_id": "order_1", "payment_collection_id": ids[1]},
    ])  # fmt: skip
    return World("reg_1", "cus_1", [f"cart_{i:03d}" for i in range(collections)], ids, "order_1")


@pytest.fixture
def seed(pg: Any) -> Callable[..., Awaitable[World]]:
    """``world = await seed(collections=4)``: see :func:`seed_world`."""

    async def run(collections: int = 4) -> World:
        return await seed_world(pg, collections)

    return run


@pytest.fixture
def seed_more(pg: Any) -> Callable[..., Awaitable[list[str]]]:
    """``await seed_more(count, prefix="x")``: more carts with collections (region reg_1 must exist)."""

    async def run(count: int, prefix: str = "") -> list[str]:
        return await seed_collections(pg, count, prefix=prefix)

    return run


@pytest.fixture
def schemas() -> tuple[Any, Any]:
    """(graphql-core's own executor, the fast one) on two copies of the served schema, to compare."""
    # The default cost limit refuses the nested read above a few dozen rows; it is not under test here.
    settings = Settings(max_query_cost=10_000_000)
    stock = create_schema(settings=settings)
    fast = create_schema(settings=settings)
    stock.execution_context_class = FastExecutionContext.__mro__[1]
    fast.execution_context_class = FastExecutionContext
    return stock, fast
