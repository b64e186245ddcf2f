"""A signed Stripe webhook for a cart's PaymentIntent completes the cart (Medusa section 7.3, #13301).

Peers: localstripe holds the intent (confirmed as Stripe.js would); the event is signed here and posted
to the real webhook route (httpx ASGI transport, background application included).
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from checkout_support import seed_checkout
from stripe_peers import STRIPE, StripeBrowser, intent_event, sign

from paymentgraph import PaymentGraph
from paymentgraph.workflows.cart_payment import create_cart_payment_collection, initiate_payment_session
from paymentgraph.workflows.checkout import complete_cart

pytestmark = pytest.mark.stripe

ROUTE = "/hooks/payment/stripe_stripe"


async def confirmed_cart(pg: PaymentGraph, browser: StripeBrowser) -> tuple[str, str, bytes]:
    """(cart id, collection id, a signed-ready authorization event) for a cart paid with a Stripe card."""
    checkout = await seed_checkout(pg, providers=(STRIPE,))
    collection = await create_cart_payment_collection(pg, checkout.cart_id)
    session = await initiate_payment_session(pg, collection.id, STRIPE, {"payment_method": "pm_card_visa"})
    await browser.confirm(session.data["id"])
    intent = await browser.intent(session.data["id"])
    body = intent_event("payment_intent.amount_capturable_updated", intent, event_id="evt_cart_auth")
    return checkout.cart_id, collection.id, body


async def post(hooks: httpx.AsyncClient, body: bytes) -> httpx.Response:
    headers = {"content-type": "application/json", "stripe-signature": sign(body)}
    return await hooks.post(ROUTE, content=body, headers=headers)


async def test_an_authorization_webhook_completes_the_cart(
    stripe_pg: PaymentGraph, hooks: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    cart_id, collection_id, body = await confirmed_cart(stripe_pg, browser)
    assert (await post(hooks, body)).status_code == 200

    [order] = await stripe_pg.order.list_orders({"cart_id": cart_id})
    assert (await stripe_pg.cart.retrieve_cart(cart_id)).completed_at is not None
    [payment] = await stripe_pg.payment.list_payments({"payment_collection_id": collection_id})
    assert payment.canceled_at is None
    [event] = await stripe_pg.payment.list_webhook_events()
    assert (event.status, event.last_error) == ("processed", None)
    assert (await complete_cart(stripe_pg, cart_id)).id == order.id


async def test_the_storefronts_complete_cart_racing_the_webhook_makes_one_order_and_one_payment(
    stripe_pg: PaymentGraph, hooks: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    cart_id, collection_id, body = await confirmed_cart(stripe_pg, browser)
    answer, order, _ = await asyncio.gather(
        post(hooks, body), complete_cart(stripe_pg, cart_id), post(hooks, body)
    )
    assert answer.status_code == 200
    assert [o.id for o in await stripe_pg.order.list_orders({"cart_id": cart_id})] == [order.id]
    payments = await stripe_pg.payment.list_payments({"payment_collection_id": collection_id})
    assert [p.canceled_at for p in payments] == [None]
