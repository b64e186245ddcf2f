"""The checkout workflows through the services: collection, session, completion, faults, races."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from checkout_support import COUNTING_PROVIDER_ID, SYSTEM_PROVIDER_ID, Checkout, CountingProvider

from paymentgraph.errors import NotAllowed, RequiresMore
from paymentgraph.modules.payment.providers.base import SessionStatus
from paymentgraph.workflows.cart_payment import create_cart_payment_collection, initiate_payment_session
from paymentgraph.workflows.checkout import COMPLETE_CART, complete_cart
from paymentgraph.workflows.engine import StepContext


class Crash(BaseException):
    """A simulated process death between two steps."""


async def ready_to_complete(pg: Any, checkout: Checkout, provider_id: str = COUNTING_PROVIDER_ID) -> str:
    collection = await create_cart_payment_collection(pg, checkout.cart_id)
    await initiate_payment_session(pg, collection.id, provider_id, {"note": "x"})
    return collection.id


async def test_the_whole_checkout(shop: Any, checkout: Checkout) -> None:
    collection = await create_cart_payment_collection(shop, checkout.cart_id)
    assert (collection.amount, collection.currency_code) == (Decimal("30.00"), "usd")
    session = await initiate_payment_session(shop, collection.id, SYSTEM_PROVIDER_ID)
    assert session.amount == Decimal("30.00")

    order = await complete_cart(shop, checkout.cart_id)

    assert order.cart_id == checkout.cart_id
    assert order.total == Decimal("30.00")
    assert [(i.title, i.quantity) for i in order.items] == [("Shirt", 2), ("Hat", 1)]
    assert (await shop.cart.retrieve_cart(checkout.cart_id)).completed_at is not None
    payments = await shop.payment.list_payments({"payment_collection_id": collection.id})
    assert [p.amount for p in payments] == [Decimal("30.00")]
    links = await shop.link.list(
        {"order": {"order_id": order.id}, "payment": {"payment_collection_id": None}}
    )
    assert [link["payment_collection_id"] for link in links] == [collection.id]
    # Completing again returns the same order.
    assert (await complete_cart(shop, checkout.cart_id)).id == order.id


async def test_an_existing_collection_is_returned(shop: Any, checkout: Checkout) -> None:
    first = await create_cart_payment_collection(shop, checkout.cart_id)
    second = await create_cart_payment_collection(shop, checkout.cart_id)
    assert first.id == second.id


async def test_concurrent_collection_creation_makes_one_collection(shop: Any, checkout: Checkout) -> None:
    results = await asyncio.gather(
        *(create_cart_payment_collection(shop, checkout.cart_id) for _ in range(8))
    )
    assert len({c.id for c in results}) == 1
    live = await shop.payment.list_payment_collections()
    assert [c.id for c in live] == [results[0].id]  # the losers' orphans were deleted


async def test_a_new_session_replaces_the_others(
    shop: Any, checkout: Checkout, counting: CountingProvider
) -> None:
    collection = await create_cart_payment_collection(shop, checkout.cart_id)
    old = await initiate_payment_session(shop, collection.id, COUNTING_PROVIDER_ID)
    new = await initiate_payment_session(shop, collection.id, SYSTEM_PROVIDER_ID)
    sessions = await shop.payment.list_payment_sessions({"payment_collection_id": collection.id})
    assert [s.id for s in sessions] == [new.id]
    assert old.id != new.id
    assert counting.calls["delete_payment"] == 1  # deleted through its provider


async def test_a_provider_not_offered_in_the_region_is_refused(shop: Any) -> None:
    from checkout_support import seed_checkout

    checkout = await seed_checkout(shop, providers=(SYSTEM_PROVIDER_ID,))
    collection = await create_cart_payment_collection(shop, checkout.cart_id)
    with pytest.raises(NotAllowed, match="not offered in region"):
        await initiate_payment_session(shop, collection.id, COUNTING_PROVIDER_ID)
    await shop.payment.update_payment_provider(SYSTEM_PROVIDER_ID, False)
    with pytest.raises(NotAllowed, match="not enabled"):
        await initiate_payment_session(shop, collection.id, SYSTEM_PROVIDER_ID)
    assert await shop.payment.list_payment_sessions({"payment_collection_id": collection.id}) == []


async def test_a_cart_without_a_session_cannot_complete(shop: Any, checkout: Checkout) -> None:
    with pytest.raises(NotAllowed, match="Payment collection has not been initiated"):
        await complete_cart(shop, checkout.cart_id)
    await create_cart_payment_collection(shop, checkout.cart_id)
    with pytest.raises(NotAllowed, match="Payment sessions are required"):
        await complete_cart(shop, checkout.cart_id)


async def test_a_changed_cart_total_must_be_paid_again(shop: Any, checkout: Checkout) -> None:
    collection_id = await ready_to_complete(shop, checkout)
    await shop.cart.add_line_items(checkout.cart_id, [{"title": "Sock", "quantity": 1, "unit_price": "5.00"}])
    with pytest.raises(NotAllowed, match=r"totals 35\.00"):
        await complete_cart(shop, checkout.cart_id)
    await initiate_payment_session(shop, collection_id, SYSTEM_PROVIDER_ID)  # brings the collection to 35
    order = await complete_cart(shop, checkout.cart_id)
    assert order.total == Decimal("35.00")


async def test_a_failure_after_authorization_cancels_it_and_leaves_the_cart_open(
    shop: Any, checkout: Checkout
) -> None:
    collection_id = await ready_to_complete(shop, checkout)

    async def broken(ctx: StepContext) -> dict[str, Any]:
        raise RuntimeError("order database down")

    with COMPLETE_CART.patched("create_order", invoke=broken), pytest.raises(RuntimeError):
        await complete_cart(shop, checkout.cart_id)

    (payment,) = await shop.payment.list_payments({"payment_collection_id": collection_id})
    assert payment.canceled_at is not None
    assert (await shop.cart.retrieve_cart(checkout.cart_id)).completed_at is None
    assert await shop.order.list_orders({"cart_id": checkout.cart_id}) == []

    # The canceled authorization is never reused: the customer pays with a new session.
    with pytest.raises(NotAllowed, match="initiate a new payment session"):
        await complete_cart(shop, checkout.cart_id)
    await initiate_payment_session(shop, collection_id, SYSTEM_PROVIDER_ID)
    order = await complete_cart(shop, checkout.cart_id)
    (paid,) = await shop.payment.list_payments({"payment_collection_id": collection_id})
    assert paid.canceled_at is None and paid.id != payment.id
    assert order.cart_id == checkout.cart_id


async def test_a_failure_after_the_order_undoes_the_order_too(shop: Any, checkout: Checkout) -> None:
    collection_id = await ready_to_complete(shop, checkout)

    async def broken(ctx: StepContext) -> dict[str, Any]:
        raise RuntimeError("cart database down")

    with COMPLETE_CART.patched("complete_cart", invoke=broken), pytest.raises(RuntimeError):
        await complete_cart(shop, checkout.cart_id)
    assert await shop.order.list_orders({"cart_id": checkout.cart_id}) == []
    links = await shop.link.list(
        {"order": {"order_id": None}, "payment": {"payment_collection_id": collection_id}}
    )
    assert links == []
    (collection,) = await shop.payment.list_payment_collections({"id": collection_id})
    assert collection.id == collection_id  # the cart's collection survives the undo


async def test_a_crash_after_authorization_is_finished_by_a_retry_without_a_second_authorization(
    shop: Any, checkout: Checkout, counting: CountingProvider
) -> None:
    await ready_to_complete(shop, checkout)

    async def die(ctx: StepContext, output: dict[str, Any]) -> None:
        raise Crash

    with COMPLETE_CART.after_step("authorize_payment", die), pytest.raises(Crash):
        await complete_cart(shop, checkout.cart_id, idempotency_key="checkout-1")
    assert (await shop.cart.retrieve_cart(checkout.cart_id)).completed_at is None

    order = await complete_cart(shop, checkout.cart_id, idempotency_key="checkout-1")
    assert order.cart_id == checkout.cart_id
    assert counting.calls["authorize_payment"] == 1
    assert counting.calls["cancel_payment"] == 0


async def test_requires_more_leaves_the_session_for_the_client(
    shop: Any, checkout: Checkout, counting: CountingProvider
) -> None:
    collection_id = await ready_to_complete(shop, checkout)
    counting.authorize_status = SessionStatus.REQUIRES_MORE
    with pytest.raises(RequiresMore):
        await complete_cart(shop, checkout.cart_id)
    (session,) = await shop.payment.list_payment_sessions({"payment_collection_id": collection_id})
    assert session.status == "requires_more"
    assert (await shop.cart.retrieve_cart(checkout.cart_id)).completed_at is None

    counting.authorize_status = SessionStatus.AUTHORIZED  # the customer finished the payment
    order = await complete_cart(shop, checkout.cart_id)
    assert order.cart_id == checkout.cart_id


async def test_concurrent_completion_makes_one_order_and_one_payment(
    shop: Any, checkout: Checkout, counting: CountingProvider
) -> None:
    collection_id = await ready_to_complete(shop, checkout)
    orders = await asyncio.gather(*(complete_cart(shop, checkout.cart_id) for _ in range(8)))
    assert len({o.id for o in orders}) == 1
    assert len(await shop.order.list_orders({"cart_id": checkout.cart_id})) == 1
    assert len(await shop.payment.list_payments({"payment_collection_id": collection_id})) == 1
    assert counting.calls["authorize_payment"] == 1
