"""The order module's service on both databases: display ids, one order per cart, claims, exchanges."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from paymentgraph.errors import Conflict, InvalidData, NotFound

BASE = {"region_id": "reg_1", "currency_code": "usd"}


async def test_create_and_retrieve_with_items(pg: Any) -> None:
    order = await pg.order.create_orders(
        {
            **BASE,
            "email": "buyer@example.com",
            "customer_id": "cus_1",
            "cart_id": "cart_1",
            "items": [{"title": "Shirt", "quantity": 2, "unit_price": "10.50"}],
        }
    )
    assert order.id.startswith("order_") and order.display_id == 1
    assert order.total == Decimal("21.00")
    assert [(i.title, i.quantity, i.total) for i in order.items] == [("Shirt", 2, Decimal("21.00"))]
    assert await pg.order.retrieve_order(order.id) == order
    assert [o.id for o in await pg.order.list_orders({"cart_id": "cart_1"})] == [order.id]


async def test_display_ids_count_up_even_under_concurrent_creates(pg: Any) -> None:
    first = await pg.order.create_orders(BASE)
    batch = await pg.order.create_orders([BASE, BASE])
    assert [first.display_id, *(o.display_id for o in batch)] == [1, 2, 3]
    created = await asyncio.gather(*(pg.order.create_orders(BASE) for _ in range(8)))
    assert sorted(o.display_id for o in created) == list(range(4, 12))
    await pg.order.delete_orders(first.id)
    assert (await pg.order.create_orders(BASE)).display_id == 12  # numbers are never reused


async def test_one_order_per_cart(pg: Any) -> None:
    order = await pg.order.create_orders({**BASE, "cart_id": "cart_1"})
    with pytest.raises(Conflict) as refused:
        await pg.order.create_orders({**BASE, "cart_id": "cart_1"})
    assert refused.value.details["order_id"] == order.id
    with pytest.raises(Conflict):
        await pg.order.create_orders([{**BASE, "cart_id": "cart_2"}, {**BASE, "cart_id": "cart_2"}])
    assert [o.id for o in await pg.order.list_orders()] == [order.id]

    # A deleted order (a checkout undone by compensation) frees its cart for the retry.
    await pg.order.delete_orders(order.id)
    retry = await pg.order.create_orders({**BASE, "cart_id": "cart_1"})
    assert [o.id for o in await pg.order.list_orders({"cart_id": "cart_1"})] == [retry.id]


async def test_concurrent_orders_for_one_cart_leave_one(pg: Any) -> None:
    results = await asyncio.gather(
        *(pg.order.create_orders({**BASE, "cart_id": "cart_x"}) for _ in range(5)), return_exceptions=True
    )
    created = [r for r in results if not isinstance(r, BaseException)]
    assert len(created) == 1
    assert all(
        isinstance(r, Conflict) and r.details["order_id"] == created[0].id
        for r in results
        if r not in created
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"currency_code": "usd"},
        {"region_id": "reg_1"},
        {**BASE, "email": "nope"},
        {**BASE, "items": [{"title": "A", "quantity": 0, "unit_price": 1}]},
        {**BASE, "items": [{"title": "A", "quantity": 1, "unit_price": 0.5}]},
        {**BASE, "status": "paid"},
    ],
)
async def test_bad_input_is_refused_and_nothing_is_written(pg: Any, bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidData):
        await pg.order.create_orders([BASE, bad])
    assert await pg.order.list_orders() == []
    assert (await pg.order.create_orders(BASE)).display_id == 1


async def test_claims_and_exchanges(pg: Any) -> None:
    order = await pg.order.create_orders(BASE)
    claim = await pg.order.create_order_claims({"order_id": order.id, "type": "replace"})
    assert claim.id.startswith("claim_") and claim.type == "replace"
    assert await pg.order.retrieve_order_claim(claim.id) == claim
    [exchange] = await pg.order.create_order_exchanges([{"order_id": order.id}])
    assert exchange.id.startswith("exc_")
    assert await pg.order.retrieve_order_exchange(exchange.id) == exchange
    assert await pg.order.list_order_claims({"order_id": order.id}) == [claim]
    assert await pg.order.list_order_exchanges({"order_id": order.id}) == [exchange]

    with pytest.raises(InvalidData):
        await pg.order.create_order_claims({"order_id": order.id, "type": "lost"})
    with pytest.raises(NotFound):
        await pg.order.create_order_claims({"order_id": "order_missing", "type": "refund"})
    with pytest.raises(NotFound):
        await pg.order.create_order_exchanges([{"order_id": order.id}, {"order_id": "order_missing"}])
    assert len(await pg.order.list_order_exchanges()) == 1
    for call, missing in (
        (pg.order.retrieve_order_claim, "claim_missing"),
        (pg.order.retrieve_order_exchange, "exc_missing"),
        (pg.order.retrieve_order, "order_missing"),
    ):
        with pytest.raises(NotFound):
            await call(missing)


async def test_delete_orders_soft_deletes_children_and_returns_link_keys(pg: Any) -> None:
    order = await pg.order.create_orders({**BASE, "items": [{"title": "A", "quantity": 1, "unit_price": 1}]})
    keep = await pg.order.create_orders(BASE)
    claim = await pg.order.create_order_claims({"order_id": order.id, "type": "refund"})
    exchange = await pg.order.create_order_exchanges({"order_id": order.id})
    with pytest.raises(NotFound):
        await pg.order.delete_orders([order.id, "order_missing"])

    deleted = await pg.order.delete_orders(order.id)
    assert deleted == {"order_id": [order.id], "claim_id": [claim.id], "exchange_id": [exchange.id]}
    assert [o.id for o in await pg.order.list_orders()] == [keep.id]
    assert await pg.order.list_order_claims() == [] and await pg.order.list_order_exchanges() == []
    with pytest.raises(NotFound):
        await pg.order.retrieve_order(order.id)
