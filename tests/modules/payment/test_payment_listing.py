"""Medusa's generated forms in Python: listAndCount, softDelete and restore (payment and order modules)."""

from __future__ import annotations

import pytest

from paymentgraph import PaymentGraph
from paymentgraph.errors import NotFound


async def _paid_collection(pg: PaymentGraph, amount: str = "10.00") -> tuple[str, str]:
    collection = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": amount})
    session = await pg.payment.create_payment_session(collection.id, {"provider_id": "pp_system_default"})
    payment = await pg.payment.authorize_payment_session(session.id)
    await pg.payment.capture_payment({"payment_id": payment.id})
    await pg.payment.refund_payment({"payment_id": payment.id, "amount": "1.00"})
    return collection.id, payment.id


async def test_list_and_count(pg: PaymentGraph) -> None:
    ids = [(await _paid_collection(pg, f"{n}.00"))[0] for n in (1, 2, 3)]
    page, count = await pg.payment.list_and_count_payment_collections(skip=1, take=1)
    assert ([c.id for c in page], count) == ([ids[1]], 3)
    page, count = await pg.payment.list_and_count_payment_collections({"id": ids[:2]}, take=1)
    assert ([c.id for c in page], count) == ([ids[0]], 2)
    for method, expected in (
        (pg.payment.list_and_count_payment_sessions, 3),
        (pg.payment.list_and_count_payments, 3),
        (pg.payment.list_and_count_captures, 3),
        (pg.payment.list_and_count_refunds, 3),
        (pg.payment.list_and_count_payment_providers, 1),
        (pg.payment.list_and_count_account_holders, 0),
    ):
        items, total = await method(take=0)
        assert (items, total) == ([], expected), method
    reasons, total = await pg.payment.list_and_count_refund_reasons()
    assert len(reasons) == total == 3  # the seeded reasons


async def test_soft_delete_and_restore_a_collection_with_what_belongs_to_it(pg: PaymentGraph) -> None:
    collection_id, payment_id = await _paid_collection(pg)
    other_id, _ = await _paid_collection(pg)
    deleted = await pg.payment.soft_delete_payment_collections(collection_id)
    assert deleted["payment_collection_id"] == [collection_id]
    assert deleted["payment_id"] == [payment_id]
    assert (len(deleted["payment_session_id"]), len(deleted["capture_id"]), len(deleted["refund_id"])) == (
        1,
        1,
        1,
    )
    with pytest.raises(NotFound):
        await pg.payment.retrieve_payment_collection(collection_id)
    with pytest.raises(NotFound):
        await pg.payment.retrieve_payment(payment_id)
    assert [c.id for c in await pg.payment.list_payment_collections()] == [other_id]
    with pytest.raises(NotFound):
        await pg.payment.soft_delete_payment_collections(collection_id)

    restored = await pg.payment.restore_payment_collections([collection_id])
    assert restored == deleted
    payment = await pg.payment.retrieve_payment(payment_id)
    assert (len(payment.captures), len(payment.refunds)) == (1, 1)
    with pytest.raises(NotFound):
        await pg.payment.restore_payment_collections(collection_id)  # it is live


async def test_restore_brings_back_only_what_was_deleted_with_it(pg: PaymentGraph) -> None:
    collection = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "5"})
    first = await pg.payment.create_payment_session(collection.id, {"provider_id": "pp_system_default"})
    await pg.payment.delete_payment_session(first.id)
    kept = await pg.payment.create_payment_session(collection.id, {"provider_id": "pp_system_default"})
    await pg.payment.soft_delete_payment_collections(collection.id)
    restored = await pg.payment.restore_payment_collections(collection.id)
    assert restored["payment_session_id"] == [kept.id]


async def test_soft_delete_and_restore_refund_reasons_and_account_holders(pg: PaymentGraph) -> None:
    reason = await pg.payment.create_refund_reasons({"label": "Late", "code": "late"})
    assert await pg.payment.soft_delete_refund_reasons(reason.id) == {"refund_reason_id": [reason.id]}
    with pytest.raises(NotFound):
        await pg.payment.retrieve_refund_reason(reason.id)
    assert await pg.payment.restore_refund_reasons(reason.id) == {"refund_reason_id": [reason.id]}
    assert (await pg.payment.retrieve_refund_reason(reason.id)).label == "Late"
    holder = await pg.payment.create_account_holder(
        {"provider_id": "pp_system_default", "context": {"customer": {"id": "cus_1", "email": "a@b.co"}}}
    )
    assert holder is not None
    await pg.payment.soft_delete_account_holders([holder.id])
    assert await pg.payment.list_account_holders() == []
    await pg.payment.restore_account_holders([holder.id])
    assert [h.id for h in await pg.payment.list_account_holders()] == [holder.id]
    with pytest.raises(NotFound):
        await pg.payment.restore_account_holders(["acchld_missing"])


async def test_orders_list_and_count_and_restore(pg: PaymentGraph) -> None:
    region = await pg.region.create_regions({"name": "US", "currency_code": "usd"})
    orders = [
        await pg.order.create_orders(
            {
                "region_id": region.id,
                "currency_code": "usd",
                "items": [{"title": "t", "quantity": 1, "unit_price": "2"}],
            }
        )
        for _ in range(3)
    ]
    claim = await pg.order.create_order_claims({"order_id": orders[0].id, "type": "refund"})
    page, count = await pg.order.list_and_count_orders(skip=2, take=5)
    assert ([o.id for o in page], count) == ([orders[2].id], 3)
    assert await pg.order.list_and_count_order_claims({"order_id": orders[0].id}) == ([claim], 1)
    assert (await pg.order.list_and_count_order_exchanges()) == ([], 0)
    deleted = await pg.order.delete_orders(orders[0].id)
    assert (await pg.order.list_and_count_orders())[1] == 2
    assert await pg.order.restore_orders(orders[0].id) == deleted
    assert (await pg.order.retrieve_order(orders[0].id)).items[0].title == "t"
    claims, count = await pg.order.list_and_count_order_claims()
    assert ([c.id for c in claims], count) == ([claim.id], 1)
    with pytest.raises(NotFound):
        await pg.order.restore_orders(orders[0].id)
