"""The outbox: every change of state writes its event in its own transaction, and nothing else does."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from paymentgraph import PaymentGraph
from paymentgraph.errors import DomainError, ErrorCode

SYSTEM = "pp_system_default"


async def events(pg: PaymentGraph, **filters: Any) -> list[dict[str, Any]]:
    """Every event, oldest first, through the query graph."""
    page = await pg.query.graph(
        entity="event",
        fields=["id", "name", "data", "created_at"],
        filters=filters or None,
        pagination={"take": 1000, "order": {"id": "ASC"}},
    )
    return list(page["data"])


async def test_a_payment_flow_writes_its_events_in_order(pg: PaymentGraph) -> None:
    collection = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "40"})
    session = await pg.payment.create_payment_session(collection.id, {"provider_id": SYSTEM})
    payment = await pg.payment.authorize_payment_session(session.id)
    await pg.payment.capture_payment({"payment_id": payment.id, "amount": "15", "captured_by": "user_2"})
    await pg.payment.refund_payment({"payment_id": payment.id, "amount": "5", "created_by": "user_1"})

    written = await events(pg)
    assert [(e["name"], e["data"]["id"]) for e in written] == [
        ("payment_collection.created", collection.id),
        ("payment_session.created", session.id),
        ("payment_collection.updated", collection.id),  # not_paid -> awaiting
        ("payment_session.authorized", session.id),
        ("payment.authorized", payment.id),
        ("payment_collection.updated", collection.id),  # authorized
        ("payment.captured", payment.id),
        ("payment_collection.updated", collection.id),  # partially captured
        ("payment.refunded", payment.id),
        ("payment_collection.updated", collection.id),  # refunded amount
    ]
    assert all(e["id"].startswith("evt_") for e in written)
    captured = written[6]["data"]
    assert captured["payment_collection_id"] == collection.id
    assert (Decimal(captured["amount"]), captured["actor_id"]) == (Decimal("15"), "user_2")
    refunded = written[8]["data"]
    assert (Decimal(refunded["amount"]), refunded["actor_id"]) == (Decimal("5"), "user_1")
    assert written[4]["data"]["amount"] == "40.00"  # exact, as the payment stores it


async def test_a_change_that_rolls_back_emits_nothing(pg: PaymentGraph) -> None:
    collection = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "40"})
    before = await events(pg)
    # The first collection is completed inside the transaction, then the unknown id rolls it all back.
    with pytest.raises(DomainError) as refused:
        await pg.payment.complete_payment_collections([collection.id, "pay_col_missing"])
    assert refused.value.code == ErrorCode.NOT_FOUND
    assert await events(pg) == before
    assert (await pg.payment.retrieve_payment_collection(collection.id)).completed_at is None
    # Nor later: the next statement that writes events (on the pooled connection the rolled-back
    # transaction used, sequential as this test is) writes only its own.
    await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "1"})
    assert [e["name"] for e in await events(pg)][len(before) :] == ["payment_collection.created"]

    payment = await _authorized_payment(pg, "10")
    count = len(await events(pg))
    with pytest.raises(DomainError) as over:
        await pg.payment.capture_payment({"payment_id": payment.id, "amount": "11"})
    assert over.value.code == ErrorCode.INVALID_DATA
    assert len(await events(pg)) == count


async def test_carts_and_orders_write_their_events(pg: PaymentGraph) -> None:
    region = await pg.region.create_regions({"name": "EU", "currency_code": "eur"})
    cart = await pg.cart.create_carts({"region_id": region.id, "currency_code": "eur"})
    await pg.cart.complete_cart(cart.id)
    await pg.cart.complete_cart(cart.id)  # already completed: no second event
    order = await pg.order.create_orders({"region_id": region.id, "currency_code": "eur", "cart_id": cart.id})
    written = await events(pg)
    assert [(e["name"], e["data"]["id"]) for e in written] == [
        ("cart.created", cart.id),
        ("cart.completed", cart.id),
        ("order.placed", order.id),
    ]
    assert written[2]["data"]["cart_id"] == cart.id


async def test_deleting_and_canceling_write_their_events(pg: PaymentGraph) -> None:
    payment = await _authorized_payment(pg, "10")
    await pg.payment.cancel_payment(payment.id)
    doomed = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "1"})
    await pg.payment.delete_payment_collections(doomed.id)
    names = [
        (e["name"], e["data"]["id"])
        for e in await events(pg, name=["payment.canceled", "payment_collection.deleted"])
    ]
    assert names == [("payment.canceled", payment.id), ("payment_collection.deleted", doomed.id)]


async def _authorized_payment(pg: PaymentGraph, amount: str) -> Any:
    collection = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": amount})
    session = await pg.payment.create_payment_session(collection.id, {"provider_id": SYSTEM})
    return await pg.payment.authorize_payment_session(session.id)
