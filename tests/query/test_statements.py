"""The number of SQL statements depends on the shape of the selection, never on the number of rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

FIELDS = ["id", "amount", "cart.email", "cart.region.name", "payment_sessions.*", "payments.captures.amount"]
# cart (a link hop: link table + cart in one statement), cart.region (read-only link),
# payment_sessions, payments, payments.captures
RELATION_PATHS = 5


async def seed_collections(db: Any, start: int, stop: int) -> None:
    numbers = range(start, stop)
    await db.insert_many(
        "payment_collection",
        [{"id": f"pc_{n:03}", "currency_code": "usd", "amount": Decimal(n)} for n in numbers],
    )
    await db.insert_many(
        "cart",
        [
            {"id": f"cart_{n:03}", "region_id": "reg_us", "currency_code": "usd", "email": f"{n}@x.com"}
            for n in numbers
        ],
    )
    await db.insert_many(
        "cart_payment_collection",
        [
            {"id": f"capaycol_{n:03}", "cart_id": f"cart_{n:03}", "payment_collection_id": f"pc_{n:03}"}
            for n in numbers
        ],
    )
    sessions = [
        {"id": f"ps_{n:03}_{i}", "payment_collection_id": f"pc_{n:03}", "currency_code": "usd",
         "amount": Decimal(n), "provider_id": "pp_system_default"}
        for n in numbers
        for i in range(2)
    ]  # fmt: skip
    await db.insert_many("payment_session", sessions)
    await db.insert_many(
        "payment",
        [
            {"id": f"pay_{n:03}", "payment_collection_id": f"pc_{n:03}", "payment_session_id": f"ps_{n:03}_0",
             "amount": Decimal(n), "currency_code": "usd", "provider_id": "pp_system_default"}
            for n in numbers
        ],
    )  # fmt: skip
    await db.insert_many(
        "capture",
        [{"id": f"capt_{n:03}", "payment_id": f"pay_{n:03}", "amount": Decimal(n)} for n in numbers],
    )


async def test_statement_count_is_one_per_relation_path(db: Any, count_statements: Any) -> None:
    await db.insert("region", {"id": "reg_us", "name": "United States", "currency_code": "usd"})
    graph = db.graph()
    counter = count_statements(db.engine)

    async def statements_for(rows: int) -> int:
        counter.reset()
        result = await graph.graph("payment_collection", FIELDS, pagination={"skip": 0, "take": 500})
        assert len(result["data"]) == rows
        assert result["metadata"]["count"] == rows
        first = result["data"][0]
        assert first["cart"]["region"] == {"name": "United States"}
        assert len(first["payment_sessions"]) == 2
        assert first["payments"][0]["captures"] == [{"amount": first["amount"]}]
        return counter.count

    await seed_collections(db, 0, 5)
    at_5 = await statements_for(5)
    await seed_collections(db, 5, 100)
    at_100 = await statements_for(100)
    assert at_5 == at_100 == 1 + RELATION_PATHS + 1  # root, one per path, the count

    counter.reset()
    await graph.graph("payment_collection", FIELDS)
    assert counter.count == 1 + RELATION_PATHS  # no pagination: no count statement
    counter.reset()
    await graph.graph("payment_collection", FIELDS, pagination={"take": 10})
    assert counter.count == 1 + RELATION_PATHS  # take without skip: no count either (Medusa's rule)
