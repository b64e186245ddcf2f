"""Asynchronous payment methods (SEPA debit, ACH: Stripe's ``processing``) end to end over HTTP.

Peer: the in-repo fake (localstripe keeps a SEPA debit ``processing`` for only half a second and sends no
``processing`` event). The customer confirms as Stripe.js would, ``completeCart`` places the order while
the bank works, the bank's answer is settled at the fake and its signed event is posted to the app.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fake_stripe import FakeStripeState
from provider_changes_support import StripeShop, served_app, stripe_app_settings

pytestmark = pytest.mark.stripe

SEPA = {"payment_method": "pm_sepa_debit_de", "payment_method_types": ["sepa_debit"]}
ACH = {"payment_method": "pm_us_bank", "payment_method_types": ["us_bank_account"]}
CARD = {"payment_method": "pm_card_visa"}


@pytest.fixture
async def shop(database_url: str, fake_stripe: tuple[str, FakeStripeState]) -> AsyncIterator[StripeShop]:
    async with served_app(stripe_app_settings(database_url, fake_stripe[0])) as (_, client):
        shop = StripeShop(client, fake_stripe[0])
        yield shop
        await shop.close()


async def settle(shop: StripeShop, intent_id: str, outcome: str) -> dict[str, object]:
    """The bank's answer, days later."""
    response = await shop.stripe.post("/_test/settle", data={"payment_intent": intent_id, "outcome": outcome})
    response.raise_for_status()
    return dict(response.json())


async def placed_while_processing(
    shop: StripeShop, data: dict[str, object]
) -> tuple[str, str, dict[str, object]]:
    """A cart paid by an asynchronous method, completed while the bank works: (order, collection, session)."""
    cart_id, collection_id, session = await shop.cart({**data, "capture_method": "automatic"})
    assert (await shop.confirm(session["data"]["id"]))["status"] == "processing"
    order = await shop.complete(cart_id)
    [collection] = order["paymentCollections"]
    assert collection["id"] == collection_id
    assert collection["paymentSessions"] == [{"id": session["id"], "status": "PENDING_AUTHORIZATION"}]
    assert (collection["status"], Decimal(collection["authorizedAmount"]), collection["payments"]) == (
        "AWAITING",
        0,
        [],
    )
    # The same completion again returns the same order (the cart is completed).
    assert (await shop.complete(cart_id))["id"] == order["id"]
    assert await payment_status(shop, order["id"]) == "AWAITING"
    return order["id"], collection_id, session


async def payment_status(shop: StripeShop, order_id: str) -> str:
    order = await shop.ok("query($id: ID!) { order(id: $id) { paymentStatus } }", {"id": order_id})
    return str(order["order"]["paymentStatus"])


async def test_a_sepa_debit_places_the_order_then_its_success_captures_the_payment(shop: StripeShop) -> None:
    order_id, collection_id, session = await placed_while_processing(shop, SEPA)
    intent_id = session["data"]["id"]
    # The provider's processing event changes nothing further (already pending authorization).
    await shop.deliver(
        "payment_intent.processing", await shop.intent(intent_id), event_id="evt_sepa_processing"
    )
    assert (await shop.session(session["id"]))["status"] == "PENDING_AUTHORIZATION"

    succeeded = await settle(shop, intent_id, "succeeded")
    for _ in range(2):  # a repeated delivery changes nothing twice
        await shop.deliver("payment_intent.succeeded", succeeded, event_id="evt_sepa_succeeded")
    collection = await shop.collection(collection_id)
    assert (collection["status"], collection["capturedAmount"]) == ("COMPLETED", "30.00")
    [payment] = collection["payments"]
    assert (payment["capturedAmount"], payment["canceledAt"], payment["authorizationExpiresAt"]) == (
        "30.00",
        None,
        None,
    )
    assert collection["paymentSessions"][0]["status"] == "AUTHORIZED"
    assert await payment_status(shop, order_id) == "CAPTURED"
    # A late processing event does not undo it; the order is still the one placed earlier.
    await shop.deliver(
        "payment_intent.processing", {**succeeded, "status": "processing"}, event_id="evt_late"
    )
    assert (await shop.session(session["id"]))["status"] == "AUTHORIZED"
    order = await shop.ok(
        "query($id: ID!) { order(id: $id) { id paymentCollections { id } } }", {"id": order_id}
    )
    assert order["order"]["paymentCollections"] == [{"id": collection_id}]


async def test_a_failed_debit_leaves_the_order_with_a_session_in_error_and_nothing_held(
    shop: StripeShop,
) -> None:
    order_id, collection_id, session = await placed_while_processing(shop, SEPA)
    intent_id = session["data"]["id"]
    failed = await settle(shop, intent_id, "failed")
    await shop.deliver("payment_intent.payment_failed", failed, event_id="evt_sepa_failed")
    collection = await shop.collection(collection_id)
    assert collection["paymentSessions"] == [{"id": session["id"], "status": "ERROR"}]
    assert collection["status"] == "AWAITING"
    assert Decimal(collection["authorizedAmount"]) == Decimal(collection["capturedAmount"]) == 0
    assert collection["payments"] == []
    assert await payment_status(shop, order_id) == "REQUIRES_ACTION"
    # Reordered: a processing event delivered after the failure does not revive the session.
    await shop.deliver("payment_intent.processing", {**failed, "status": "processing"}, event_id="evt_old")
    assert (await shop.session(session["id"]))["status"] == "ERROR"


async def test_while_the_bank_works_the_session_cannot_be_deleted(shop: StripeShop) -> None:
    _, _, session = await placed_while_processing(shop, SEPA)
    code = await shop.error_code(
        "mutation($id: ID!) { deletePaymentSession(id: $id) { deleted } }", {"id": session["id"]}
    )
    assert code == "NOT_ALLOWED"
    assert (await shop.session(session["id"]))["status"] == "PENDING_AUTHORIZATION"
    code = await shop.error_code(
        "mutation($id: ID!) { authorizePaymentSession(id: $id) { id } }", {"id": session["id"]}
    )
    assert code == "NOT_ALLOWED"


async def test_an_ach_debit_with_manual_capture_becomes_an_authorized_payment(shop: StripeShop) -> None:
    cart_id, collection_id, session = await shop.cart({**ACH, "capture_method": "manual"})
    intent_id = session["data"]["id"]
    await shop.confirm(intent_id)
    await shop.complete(cart_id)
    authorized = await settle(shop, intent_id, "succeeded")
    assert authorized["status"] == "requires_capture"
    await shop.deliver("payment_intent.amount_capturable_updated", authorized, event_id="evt_ach_auth")
    collection = await shop.collection(collection_id)
    assert (collection["status"], collection["authorizedAmount"]) == ("AUTHORIZED", "30.00")
    [payment] = collection["payments"]
    assert payment["authorizationExpiresAt"] is None  # a bank debit: no card authorization window


async def test_a_card_authorization_carries_its_expiry(shop: StripeShop) -> None:
    cart_id, collection_id, session = await shop.cart(CARD)
    await shop.confirm(session["data"]["id"])
    before = datetime.now(UTC)
    await shop.complete(cart_id)
    [payment] = (await shop.collection(collection_id))["payments"]
    expires = datetime.fromisoformat(payment["authorizationExpiresAt"])
    # Stripe holds an uncaptured card payment for 7 days after authorization.
    assert (
        before + timedelta(days=7) - timedelta(minutes=5) <= expires <= before + timedelta(days=7, minutes=5)
    )


async def test_async_sessions_are_reported_by_the_webhook_event_list(shop: StripeShop) -> None:
    _, _, session = await placed_while_processing(shop, SEPA)
    await shop.deliver(
        "payment_intent.processing", await shop.intent(session["data"]["id"]), event_id="evt_listed"
    )
    events = await shop.ok("{ webhookEvents { items { eventId action status paymentSessionId } } }")
    assert events["webhookEvents"]["items"] == [
        {
            "eventId": "evt_listed",
            "action": "pending_authorization",
            "status": "processed",
            "paymentSessionId": session["id"],
        }
    ]
