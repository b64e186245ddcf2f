"""Order.payment_status and the order's payment totals in the query graph: over the collections of the
order, its claims and its exchanges; exact money; filtered and sorted in SQL; statements independent of
the number of orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

# The query tests' fixture database (tests/query/conftest.py), typed loosely: importing "conftest" by
# name is ambiguous when several test folders are collected together.
Db = Any
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


FIELDS = ["id", "payment_status", "paid_total", "refunded_total", "outstanding_amount"]


async def _order(db: Db, n: int, total: str, currency: str = "usd") -> str:
    order_id = f"order_{n:03}"
    await db.insert(
        "order",
        {"id": order_id, "display_id": n, "region_id": "reg", "currency_code": currency,
         "total": Decimal(total), "created_at": at(n)},
    )  # fmt: skip
    return order_id


async def _collection(
    db: Db,
    id: str,
    amount: str,
    status: str,
    *,
    currency: str = "usd",
    captured: str = "0",
    refunded: str = "0",
    authorized: str = "0",
    **extra: Any,
) -> str:
    await db.insert(
        "payment_collection",
        {"id": id, "currency_code": currency, "amount": Decimal(amount), "status": status,
         "authorized_amount": Decimal(authorized), "captured_amount": Decimal(captured),
         "refunded_amount": Decimal(refunded), **extra},
    )  # fmt: skip
    return id


async def _link(db: Db, order_id: str, collection_id: str, **extra: Any) -> None:
    await db.insert(
        "order_payment_collection",
        {
            "id": f"ordpay_{collection_id}",
            "order_id": order_id,
            "payment_collection_id": collection_id,
            **extra,
        },
    )


async def _session(db: Db, id: str, collection_id: str, status: str) -> None:
    await db.insert(
        "payment_session",
        {"id": id, "payment_collection_id": collection_id, "currency_code": "usd", "amount": Decimal(1),
         "provider_id": "pp_system_default", "status": status},
    )  # fmt: skip


async def _read(db: Db, order_id: str) -> dict[str, Any]:
    result = await db.graph().graph("order", FIELDS, filters={"id": order_id})
    return result["data"][0]  # type: ignore[no-any-return]


async def test_totals_are_exact_and_span_claims_and_exchanges(db: Db) -> None:
    order_id = await _order(db, 1, "0.30")
    await _link(db, order_id, await _collection(db, "pc_own", "0.10", "completed", captured="0.10"))
    await db.insert("order_claim", {"id": "claim_1", "order_id": order_id, "type": "refund"})
    await db.insert("order_exchange", {"id": "exc_1", "order_id": order_id})
    await _collection(db, "pc_claim", "0.20", "completed", captured="0.20", refunded="0.01")
    await db.insert(
        "order_claim_payment_collection",
        {"id": "claimpay_1", "claim_id": "claim_1", "payment_collection_id": "pc_claim"},
    )
    await _collection(db, "pc_exc", "0.05", "completed", captured="0.05")
    await db.insert(
        "order_exchange_payment_collection",
        {"id": "excpay_1", "exchange_id": "exc_1", "payment_collection_id": "pc_exc"},
    )
    # Dismissed links and deleted collections never count.
    await _collection(db, "pc_unlinked", "9", "completed", captured="9")
    await _link(db, order_id, "pc_unlinked", deleted_at=at(50))
    await _link(
        db, order_id, await _collection(db, "pc_deleted", "9", "completed", captured="9", deleted_at=at(50))
    )

    assert await _read(db, order_id) == {
        "id": order_id,
        "payment_status": "partially_refunded",
        "paid_total": Decimal("0.34"),
        "refunded_total": Decimal("0.01"),
        "outstanding_amount": Decimal("-0.04"),
    }
    # Decimal("0.34") == Decimal("0.340"): the presentation is the currency's too.
    assert str((await _read(db, order_id))["paid_total"]) == "0.34"


async def test_three_decimal_currencies_stay_exact(db: Db) -> None:
    order_id = await _order(db, 1, "10.125", currency="kwd")
    collection_id = await _collection(
        db, "pc_1", "10.125", "completed", currency="kwd", captured="10.125", refunded="0.001"
    )
    await _link(db, order_id, collection_id)
    order = await _read(db, order_id)
    assert [str(order[k]) for k in ("paid_total", "refunded_total", "outstanding_amount")] == [
        "10.124",
        "0.001",
        "0.001",
    ]


async def test_payment_status_rules(db: Db) -> None:
    cases: list[tuple[str, list[dict[str, Any]]]] = [
        ("not_paid", []),
        ("not_paid", [{"status": "not_paid"}]),
        ("awaiting", [{"status": "awaiting"}]),
        ("authorized", [{"status": "authorized", "authorized": "10"}, {"status": "canceled"}]),
        ("partially_authorized", [{"status": "authorized", "authorized": "10"}, {"status": "not_paid"}]),
        ("partially_authorized", [{"status": "partially_authorized", "authorized": "4"}]),
        ("captured", [{"status": "completed", "captured": "10"}, {"status": "canceled"}]),
        ("partially_captured", [{"status": "partially_captured", "captured": "4"}]),
        ("partially_captured", [{"status": "completed", "captured": "10"}, {"status": "awaiting"}]),
        ("refunded", [{"status": "partially_captured", "captured": "4", "refunded": "4"}]),
        ("partially_refunded", [{"status": "completed", "captured": "10", "refunded": "9.99"}]),
        ("canceled", [{"status": "canceled"}, {"status": "canceled"}]),
        # A session needing the customer, nothing authorized or captured: requires_action.
        ("requires_action", [{"status": "awaiting", "session": "requires_more"}]),
        (
            "requires_action",
            [{"status": "awaiting", "session": "error"}, {"status": "completed", "captured": "10"}],
        ),
        # ... but not once something is authorized, nor in a canceled collection.
        ("authorized", [{"status": "authorized", "authorized": "10", "session": "error"}]),
        ("canceled", [{"status": "canceled", "session": "error"}]),
        ("awaiting", [{"status": "awaiting", "session": "pending"}]),
    ]
    for n, (expected, collections) in enumerate(cases, start=1):
        order_id = await _order(db, n, "10")
        for i, spec in enumerate(collections):
            collection_id = f"pc_{n}_{i}"
            await _collection(
                db, collection_id, "10", spec["status"], captured=spec.get("captured", "0"),
                refunded=spec.get("refunded", "0"), authorized=spec.get("authorized", "0"),
            )  # fmt: skip
            await _link(db, order_id, collection_id)
            if "session" in spec:
                await _session(db, f"ps_{n}_{i}", collection_id, spec["session"])
        assert (await _read(db, order_id))["payment_status"] == expected, (n, collections)


async def test_filter_and_order_in_the_same_statements_at_5_and_100_orders(
    db: Db, count_statements: Any
) -> None:
    graph = db.graph()
    counter = count_statements(db.engine)

    async def seed(start: int, stop: int) -> None:
        for n in range(start, stop):
            order_id = await _order(db, n, "10.00")
            if n % 2:  # odd orders: 10.00 captured and n cents refunded
                await _link(
                    db, order_id, await _collection(db, f"pc_{n:03}", "10.00", "completed", captured="10.00",
                                                    refunded=f"{n // 100}.{n % 100:02d}"),
                )  # fmt: skip

    async def read(rows: int) -> int:
        counter.reset()
        result = await graph.graph(
            "order",
            [*FIELDS, "claims.id", "exchanges.id"],
            filters={"payment_status": "partially_refunded"},
            pagination={"skip": 0, "take": 500, "order": {"outstanding_amount": "DESC"}},
        )
        assert result["metadata"]["count"] == rows
        refunds = [row["refunded_total"] for row in result["data"]]
        assert refunds == sorted(refunds, reverse=True)
        assert all(row["payment_status"] == "partially_refunded" for row in result["data"])
        return counter.count

    await seed(0, 10)
    at_5 = await read(5)
    await seed(10, 200)
    at_100 = await read(100)
    assert at_5 == at_100 == 1 + 2 + 1  # root, claims, exchanges, the count
