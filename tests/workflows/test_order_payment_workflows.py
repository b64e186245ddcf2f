"""The order payment workflows in Python: who marked a collection as paid, and one at a time."""

from __future__ import annotations

import asyncio
from typing import Any

from paymentgraph.errors import DomainError, ErrorCode
from paymentgraph.workflows.order_payments import (
    create_order_payment_collection,
    mark_payment_collection_as_paid,
)


async def _order(shop: Any, unit_price: str = "12.50") -> str:
    region = await shop.region.create_regions({"name": "US", "currency_code": "usd"})
    order = await shop.order.create_orders(
        {
            "region_id": region.id,
            "currency_code": "usd",
            "items": [{"title": "Mug", "quantity": 2, "unit_price": unit_price}],
        }
    )
    return str(order.id)


async def test_mark_as_paid_records_the_admin(shop: Any) -> None:
    collection = await create_order_payment_collection(shop, await _order(shop))
    assert str(collection.amount) == "25.00"
    paid = await mark_payment_collection_as_paid(shop, collection.id, captured_by="apk_admin_1")
    assert paid.status == "completed"
    [payment] = await shop.payment.list_payments({"payment_collection_id": collection.id})
    assert [(c.amount, c.created_by) for c in payment.captures] == [(collection.amount, "apk_admin_1")]
    try:
        await create_order_payment_collection(shop, await _orders_of(shop, collection.id))
    except DomainError as refused:
        assert refused.code == ErrorCode.NOT_ALLOWED
    else:
        raise AssertionError("a collection for a paid order was created")


async def _orders_of(shop: Any, collection_id: str) -> str:
    rows = await shop.query.graph("payment_collection", ["order.id"], {"id": collection_id})
    return str(rows["data"][0]["order"]["id"])


async def test_concurrent_marks_collect_once(shop: Any) -> None:
    collection = await create_order_payment_collection(shop, await _order(shop))
    results = await asyncio.gather(
        *(mark_payment_collection_as_paid(shop, collection.id) for _ in range(2)), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, DomainError)]
    assert [r.code for r in refused] == [ErrorCode.NOT_ALLOWED], results
    payments = await shop.payment.list_payments({"payment_collection_id": collection.id})
    assert len(payments) == 1
