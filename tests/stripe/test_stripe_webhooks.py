"""Stripe webhooks at ``POST /hooks/payment/stripe_stripe``: verified, stored once, applied in any order.

Peers: events are signed here with the webhook secret (Stripe's scheme) and posted to the real route
handler over HTTP (httpx ASGI transport); the provider re-reads intents from localstripe when it
authorizes. localstripe does not emit ``amount_capturable_updated``, ``requires_action`` or
``canceled``, so those events are built from the intent localstripe returns. Events localstripe
itself sends (``payment_intent.succeeded``, ``payment_intent.payment_failed``) are covered in
``test_stripe_webhooks_delivered.py``.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import httpx
import pytest
from stripe_peers import StripeBrowser, intent_event, new_session, sign

from paymentgraph import PaymentGraph

pytestmark = pytest.mark.stripe

ROUTE = "/hooks/payment/stripe_stripe"


async def post(hooks: httpx.AsyncClient, body: bytes, signature: str | None = None) -> httpx.Response:
    headers = {"content-type": "application/json", "stripe-signature": signature or sign(body)}
    return await hooks.post(ROUTE, content=body, headers=headers)


async def confirmed(pg: PaymentGraph, browser: StripeBrowser, **data: object) -> tuple[str, dict]:
    session = await new_session(pg, "20", payment_method="pm_card_visa", **data)
    await browser.confirm(session.data["id"])
    return session.id, await browser.intent(session.data["id"])


async def test_an_authorization_event_creates_the_payment(
    stripe_pg: PaymentGraph, hooks: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    session_id, intent = await confirmed(stripe_pg, browser)
    body = intent_event(
        "payment_intent.amount_capturable_updated", intent, event_id="evt_auth", amount_capturable=2000
    )
    response = await post(hooks, body)
    assert response.status_code == 200
    assert response.json()["action"] == "authorized"

    [payment] = await stripe_pg.payment.list_payments({"payment_session_id": session_id})
    assert payment.amount == Decimal("20.00")
    assert (await stripe_pg.payment.retrieve_payment_session(session_id)).status == "authorized"
    [event] = await stripe_pg.payment.list_webhook_events()
    assert (event.event_id, event.status, event.action) == ("evt_auth", "processed", "authorized")
    assert event.payment_session_id == session_id


async def test_forged_stale_and_unsigned_deliveries_are_refused_and_nothing_is_stored(
    stripe_pg: PaymentGraph, hooks: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    session_id, intent = await confirmed(stripe_pg, browser)
    body = intent_event("payment_intent.amount_capturable_updated", intent, event_id="evt_forged")
    forged = await post(hooks, body, sign(body, secret="whsec_someone_else"))
    stale = await post(hooks, body, sign(body, timestamp=int(time.time()) - 301))
    tampered = await post(hooks, body.replace(b"2000", b"9000"), sign(body))
    unsigned = await hooks.post(ROUTE, content=body)
    assert [r.status_code for r in (forged, stale, tampered, unsigned)] == [400, 400, 400, 400]
    assert "signature" in forged.json()["error"]
    assert await stripe_pg.payment.list_webhook_events() == []
    assert await stripe_pg.payment.list_payments({"payment_session_id": session_id}) == []


async def test_a_capture_event_delivered_three_times_captures_once(
    stripe_pg: PaymentGraph, hooks: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    # Automatic capture: Stripe captured at confirmation; the webhook is the first we hear of it.
    session_id, intent = await confirmed(stripe_pg, browser, capture_method="automatic")
    assert intent["status"] == "succeeded"
    body = intent_event("payment_intent.succeeded", intent, event_id="evt_captured")
    answers = [await post(hooks, body) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["duplicate"] for a in answers] == [False, True, True]

    [payment] = await stripe_pg.payment.list_payments({"payment_session_id": session_id})
    assert payment.captured_amount == Decimal("20.00")
    assert len(payment.captures) == 1
    assert len(await stripe_pg.payment.list_webhook_events()) == 1
    collection = await stripe_pg.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert collection.captured_amount == Decimal("20.00")


async def test_events_out_of_order_converge(
    stripe_pg: PaymentGraph, hooks: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    session_id, intent = await confirmed(stripe_pg, browser)
    captured = await browser.client.post(f"/v1/payment_intents/{intent['id']}/capture")
    captured_intent = captured.json()
    authorized = intent_event("payment_intent.amount_capturable_updated", intent, event_id="evt_1")
    succeeded = intent_event(
        "payment_intent.succeeded", captured_intent, event_id="evt_2", amount_received=2000
    )
    # Stripe does not promise order: the capture arrives before the authorization.
    assert (await post(hooks, succeeded)).status_code == 200
    assert (await post(hooks, authorized)).status_code == 200

    [payment] = await stripe_pg.payment.list_payments({"payment_session_id": session_id})
    assert payment.captured_amount == Decimal("20.00")
    assert len(payment.captures) == 1
    assert {e.status for e in await stripe_pg.payment.list_webhook_events()} == {"processed"}


async def test_a_capture_event_after_our_own_capture_changes_nothing(
    stripe_pg: PaymentGraph, hooks: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    # Medusa issues #13301 and #11090: the API capture and the webhook both captured.
    session_id, _ = await confirmed(stripe_pg, browser)
    payment = await stripe_pg.payment.authorize_payment_session(session_id)
    payment = await stripe_pg.payment.capture_payment({"payment_id": payment.id, "amount": "15"})
    intent = await browser.intent((payment.data or {})["id"])
    body = intent_event("payment_intent.succeeded", intent, event_id="evt_late", amount_received=1500)
    assert (await post(hooks, body)).status_code == 200
    payment = await stripe_pg.payment.retrieve_payment(payment.id)
    assert payment.captured_amount == Decimal("15.00")
    assert len(payment.captures) == 1


async def test_concurrent_deliveries_and_an_api_authorization_make_one_payment_and_one_capture(
    stripe_pg: PaymentGraph, hooks: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    # Medusa #13301: the storefront's completion and the webhooks race; here all at once.
    session_id, intent = await confirmed(stripe_pg, browser, capture_method="automatic")
    succeeded = intent_event("payment_intent.succeeded", intent, event_id="evt_race")
    authorized = intent_event("payment_intent.amount_capturable_updated", intent, event_id="evt_race_auth")
    results = await asyncio.gather(
        post(hooks, succeeded),
        post(hooks, succeeded),
        post(hooks, authorized),
        stripe_pg.payment.authorize_payment_session(session_id),
        post(hooks, succeeded),
    )
    assert all(r.status_code == 200 for r in results if isinstance(r, httpx.Response))
    [payment] = await stripe_pg.payment.list_payments({"payment_session_id": session_id})
    assert payment.captured_amount == Decimal("20.00")
    assert len(payment.captures) == 1
    events = await stripe_pg.payment.list_webhook_events()
    assert sorted(e.event_id for e in events) == ["evt_race", "evt_race_auth"]
    assert await stripe_pg.payment.list_webhook_events(status="failed") == []


async def test_failed_and_requires_more_update_the_session_but_never_undo_an_authorization(
    stripe_pg: PaymentGraph, hooks: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    session = await new_session(stripe_pg, "20", payment_method="pm_card_visa")
    intent = await browser.intent(session.data["id"])
    await post(hooks, intent_event("payment_intent.requires_action", intent, event_id="evt_3ds"))
    assert (await stripe_pg.payment.retrieve_payment_session(session.id)).status == "requires_more"
    await post(hooks, intent_event("payment_intent.payment_failed", intent, event_id="evt_fail"))
    assert (await stripe_pg.payment.retrieve_payment_session(session.id)).status == "error"

    await browser.confirm(session.data["id"])
    await stripe_pg.payment.authorize_payment_session(session.id)
    await post(hooks, intent_event("payment_intent.payment_failed", intent, event_id="evt_late_fail"))
    assert (await stripe_pg.payment.retrieve_payment_session(session.id)).status == "authorized"
    assert len(await stripe_pg.payment.list_payments({"payment_session_id": session.id})) == 1


async def test_a_canceled_event_cancels_the_payment_or_the_session(
    stripe_pg: PaymentGraph, hooks: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    session_id, intent = await confirmed(stripe_pg, browser)
    payment = await stripe_pg.payment.authorize_payment_session(session_id)
    canceled = (await browser.client.post(f"/v1/payment_intents/{intent['id']}/cancel")).json()
    await post(hooks, intent_event("payment_intent.canceled", canceled, event_id="evt_cancel"))
    assert (await stripe_pg.payment.retrieve_payment(payment.id)).canceled_at is not None

    unpaid = await new_session(stripe_pg, "20")
    unpaid_intent = (await browser.client.post(f"/v1/payment_intents/{unpaid.data['id']}/cancel")).json()
    await post(hooks, intent_event("payment_intent.canceled", unpaid_intent, event_id="evt_cancel_2"))
    assert (await stripe_pg.payment.retrieve_payment_session(unpaid.id)).status == "canceled"


async def test_a_pending_event_is_recorded_and_changes_nothing(
    stripe_pg: PaymentGraph, hooks: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    session = await new_session(stripe_pg, "20")
    intent = await browser.intent(session.data["id"])
    response = await post(hooks, intent_event("payment_intent.created", intent, event_id="evt_created"))
    assert response.json()["action"] == "pending"
    [event] = await stripe_pg.payment.list_webhook_events(status="processed")
    assert event.event_type == "payment_intent.created"
    assert (await stripe_pg.payment.retrieve_payment_session(session.id)).status == "pending"


async def test_an_event_that_fails_to_apply_stays_visible_and_is_retried(
    stripe_pg: PaymentGraph, hooks: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    # The event claims a capture the intent does not show yet: applying it fails, and is kept.
    session = await new_session(stripe_pg, "20", payment_method="pm_card_visa", capture_method="automatic")
    intent = await browser.intent(session.data["id"])
    body = intent_event("payment_intent.succeeded", intent, event_id="evt_early")
    assert (await post(hooks, body)).status_code == 200
    [failed] = await stripe_pg.payment.list_webhook_events(status="failed")
    assert failed.event_id == "evt_early"
    assert failed.attempts == 1
    assert "PAYMENT_AUTHORIZATION_FAILED" in (failed.last_error or "")

    await browser.confirm(session.data["id"])
    [retried] = await stripe_pg.payment.retry_failed_webhook_events()
    assert (retried.status, retried.attempts, retried.last_error) == ("processed", 2, None)
    [payment] = await stripe_pg.payment.list_payments({"payment_session_id": session.id})
    assert payment.captured_amount == Decimal("20.00")
    # A later redelivery of the same event is now a no-op.
    assert (await post(hooks, body)).json()["duplicate"] is True
    assert len((await stripe_pg.payment.retrieve_payment(payment.id)).captures) == 1


async def test_a_failed_event_is_retried_by_its_next_delivery(
    stripe_pg: PaymentGraph, hooks: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    session = await new_session(stripe_pg, "20", payment_method="pm_card_visa", capture_method="automatic")
    intent = await browser.intent(session.data["id"])
    body = intent_event("payment_intent.succeeded", intent, event_id="evt_redelivered")
    await post(hooks, body)
    await browser.confirm(session.data["id"])
    await post(hooks, body)  # Stripe delivers again
    [event] = await stripe_pg.payment.list_webhook_events()
    assert (event.status, event.attempts) == ("processed", 2)
    assert await stripe_pg.payment.list_webhook_events(status="failed") == []


async def test_events_that_are_not_ours_are_acknowledged_and_not_stored(
    stripe_pg: PaymentGraph, hooks: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    session = await new_session(stripe_pg, "20")
    intent = await browser.intent(session.data["id"])
    foreign = intent_event("payment_intent.succeeded", intent, event_id="evt_foreign", metadata={})
    other_type = intent_event("customer.created", {"id": "cus_1", "object": "customer"}, event_id="evt_cus")
    for body in (foreign, other_type):
        response = await post(hooks, body)
        assert response.status_code == 200
        assert response.json()["action"] == "not_supported"
    assert await stripe_pg.payment.list_webhook_events() == []
    unknown = await hooks.post(
        "/hooks/payment/paypal_default", content=foreign, headers={"stripe-signature": sign(foreign)}
    )
    assert unknown.status_code == 404


async def test_an_unknown_status_filter_is_refused(stripe_pg: PaymentGraph) -> None:
    from paymentgraph.errors import InvalidData

    with pytest.raises(InvalidData):
        await stripe_pg.payment.list_webhook_events(status="lost")
