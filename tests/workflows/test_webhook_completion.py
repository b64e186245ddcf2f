"""A webhook that authorizes or captures a cart's payment completes the cart (Medusa section 7.3).

Peer: ``HookedProvider``, the system provider plus webhooks it reads from a plain JSON body (no
signature), so the module's real receive/store/apply path runs without Stripe on both databases. The
Stripe version of the same flow, over HTTP with signed events, is in tests/stripe.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from checkout_support import SYSTEM_PROVIDER_ID, seed_checkout

from paymentgraph import PaymentGraph
from paymentgraph.modules.payment.providers.base import WebhookAction, WebhookPayload, WebhookResult
from paymentgraph.modules.payment.providers.system import SystemPaymentProvider
from paymentgraph.modules.payment.webhooks import WebhookEvent
from paymentgraph.workflows.cart_payment import create_cart_payment_collection, initiate_payment_session
from paymentgraph.workflows.checkout import COMPLETE_CART, complete_cart
from paymentgraph.workflows.engine import StepContext

HOOKED_ID = "pp_hooked_default"


class HookedProvider(SystemPaymentProvider):
    """Reads ``{"id", "type", "session_id", "amount"}`` bodies as webhook events (type = the action)."""

    identifier = "hooked"

    async def get_webhook_action_and_data(self, payload: WebhookPayload) -> WebhookResult:
        body = payload.data
        amount = body.get("amount")
        return WebhookResult(
            action=WebhookAction(body["type"]),
            session_id=body.get("session_id"),
            amount=Decimal(amount) if amount is not None else None,
            event_id=body["id"],
            event_type=body["type"],
        )


@pytest.fixture
async def shop(database_url: str) -> AsyncIterator[PaymentGraph]:
    async with PaymentGraph.connect(
        database_url, providers=[SystemPaymentProvider(), HookedProvider()]
    ) as pg:
        await pg.sync_providers()
        yield pg


async def cart_session(pg: PaymentGraph) -> tuple[str, str, str]:
    """(cart id, collection id, session id): an open 30.00 USD cart paying through ``hooked``."""
    checkout = await seed_checkout(pg, providers=(SYSTEM_PROVIDER_ID, HOOKED_ID))
    collection = await create_cart_payment_collection(pg, checkout.cart_id)
    session = await initiate_payment_session(pg, collection.id, HOOKED_ID)
    return checkout.cart_id, collection.id, session.id


async def deliver(pg: PaymentGraph, event_id: str, action: str, session_id: str) -> WebhookEvent | None:
    """Receive one delivery as the HTTP route does and apply it when the module says so."""
    body = {"id": event_id, "type": action, "session_id": session_id}
    raw = json.dumps(body).encode()
    received = await pg.payment.receive_webhook(HOOKED_ID, WebhookPayload(body, raw, {}))
    if not received.should_apply or received.event is None:
        return received.event
    return await pg.payment.process_webhook_event(received.event.id)


async def orders_of(pg: PaymentGraph, cart_id: str) -> list[Any]:
    return await pg.order.list_orders({"cart_id": cart_id})


@pytest.mark.parametrize("action", ["authorized", "captured"])
async def test_a_webhook_paying_for_a_cart_completes_it(shop: PaymentGraph, action: str) -> None:
    cart_id, collection_id, session_id = await cart_session(shop)
    event = await deliver(shop, "evt_paid", action, session_id)
    assert event is not None and (event.status, event.last_error) == ("processed", None)

    [order] = await orders_of(shop, cart_id)
    assert (await shop.cart.retrieve_cart(cart_id)).completed_at is not None
    links = await shop.link.list(
        {"order": {"order_id": order.id}, "payment": {"payment_collection_id": None}}
    )
    assert [row["payment_collection_id"] for row in links] == [collection_id]
    [payment] = await shop.payment.list_payments({"payment_collection_id": collection_id})
    assert payment.payment_session_id == session_id and payment.canceled_at is None
    collection = await shop.payment.retrieve_payment_collection(collection_id)
    assert collection.status == ("completed" if action == "captured" else "authorized")

    # The client's completeCart afterwards returns the same order; a redelivery changes nothing.
    assert (await complete_cart(shop, cart_id)).id == order.id
    await deliver(shop, "evt_paid", action, session_id)
    assert [o.id for o in await orders_of(shop, cart_id)] == [order.id]


async def test_a_pending_event_or_a_collection_without_cart_completes_nothing(shop: PaymentGraph) -> None:
    cart_id, _, session_id = await cart_session(shop)
    await deliver(shop, "evt_pending", "pending", session_id)
    assert await orders_of(shop, cart_id) == []
    assert (await shop.cart.retrieve_cart(cart_id)).completed_at is None

    collection = await shop.payment.create_payment_collections({"currency_code": "usd", "amount": "5"})
    session = await shop.payment.create_payment_session(collection.id, {"provider_id": HOOKED_ID})
    event = await deliver(shop, "evt_no_cart", "authorized", session.id)
    assert event is not None and (event.status, event.last_error) == ("processed", None)
    assert len(await shop.payment.list_payments({"payment_collection_id": collection.id})) == 1


async def test_concurrent_complete_cart_and_webhook_make_one_order_and_one_payment(
    shop: PaymentGraph,
) -> None:
    cart_id, collection_id, session_id = await cart_session(shop)
    body = {"id": "evt_race", "type": "authorized", "session_id": session_id}
    received = await shop.payment.receive_webhook(
        HOOKED_ID, WebhookPayload(body, json.dumps(body).encode(), {})
    )
    assert received.event is not None
    order, event = await asyncio.gather(
        complete_cart(shop, cart_id), shop.payment.process_webhook_event(received.event.id)
    )
    assert (event.status, event.last_error) == ("processed", None)
    assert [o.id for o in await orders_of(shop, cart_id)] == [order.id]
    payments = await shop.payment.list_payments({"payment_collection_id": collection_id})
    assert [(p.payment_session_id, p.canceled_at) for p in payments] == [(session_id, None)]
    assert (await shop.cart.retrieve_cart(cart_id)).completed_at is not None


async def _hiccup(ctx: StepContext) -> dict[str, Any]:
    raise RuntimeError("database hiccup")


async def test_a_failed_completion_keeps_the_payment_and_is_retried_on_the_next_delivery(
    shop: PaymentGraph, caplog: pytest.LogCaptureFixture
) -> None:
    cart_id, collection_id, session_id = await cart_session(shop)
    with COMPLETE_CART.patched("validate_cart", invoke=_hiccup):
        event = await deliver(shop, "evt_auth", "authorized", session_id)
    assert event is not None
    # The payment part succeeded: the event is processed, the follow-up's error is kept and logged.
    assert event.status == "processed"
    assert event.last_error is not None and "database hiccup" in event.last_error
    assert "database hiccup" in caplog.text
    [payment] = await shop.payment.list_payments({"payment_collection_id": collection_id})
    assert payment.canceled_at is None
    assert await orders_of(shop, cart_id) == []

    event = await deliver(shop, "evt_auth", "authorized", session_id)  # the provider delivers it again
    assert event is not None and (event.status, event.last_error) == ("processed", None)
    assert len(await orders_of(shop, cart_id)) == 1
    assert len(await shop.payment.list_payments({"payment_collection_id": collection_id})) == 1


async def test_a_failed_completion_is_also_retried_by_the_scheduled_retry(shop: PaymentGraph) -> None:
    cart_id, _, session_id = await cart_session(shop)
    with COMPLETE_CART.patched("validate_cart", invoke=_hiccup):
        await deliver(shop, "evt_auth", "authorized", session_id)
    assert await shop.payment.list_webhook_events("failed") == []  # not failed: the payment part is done
    [event] = await shop.payment.retry_failed_webhook_events()
    assert (event.status, event.last_error, event.attempts) == ("processed", None, 2)
    assert len(await orders_of(shop, cart_id)) == 1
    assert await shop.payment.retry_failed_webhook_events() == []
