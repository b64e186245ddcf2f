"""Checkout with Stripe and the webhook endpoint over HTTP, through the real app (lifespan included).

Peers: localstripe (PaymentIntents, customers, SetupIntents; confirmations and 3-D Secure done as
Stripe.js would) and hand-signed events posted to ``/hooks/payment/stripe_stripe`` of the app.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from stripe_peers import API_KEY, STRIPE, WEBHOOK_SECRET, StripeBrowser, intent_event, sign

from paymentgraph.app import create_app
from paymentgraph.config import Settings

pytestmark = pytest.mark.stripe

ADMIN = {"Authorization": "Bearer stripe-admin"}
SESSION = """query($id: ID!) { paymentSession(id: $id) { id status data payment { id } } }"""
COMPLETE = """mutation($cartId: ID!) {
  completeCart(cartId: $cartId) { id paymentCollections { id status authorizedAmount payments { id } } }
}"""


@pytest.fixture
async def app(database_url: str, localstripe: str) -> AsyncIterator[Starlette]:
    settings = Settings(
        database_url=database_url,
        admin_tokens="stripe-admin",
        stripe_api_key=API_KEY,
        stripe_api_base=localstripe,
        stripe_webhook_secret=WEBHOOK_SECRET,
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        yield http


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=ADMIN)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def ok(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None) -> Any:
    body = await gql(client, query, variables)
    assert "errors" not in body, body
    return body["data"]


async def stripe_cart(client: httpx.AsyncClient, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A 30.00 USD cart in a region that offers Stripe, with a Stripe session: (cart id, session)."""
    region = await ok(client, 'mutation { createRegion(input: {name: "US", currencyCode: "usd"}) { id } }')
    region_id = region["createRegion"]["id"]
    await ok(
        client,
        "mutation($r: ID!, $p: ID!) { createRegionPaymentProviderLink(regionId: $r, paymentProviderId: $p) }",
        {"r": region_id, "p": STRIPE},
    )
    items = [{"title": "Shirt", "quantity": 3, "unitPrice": "10.00"}]
    cart = await ok(
        client,
        "mutation($input: CreateCartInput!) { createCart(input: $input) { id } }",
        {"input": {"regionId": region_id, "email": "a@example.com", "items": items}},
    )
    cart_id = cart["createCart"]["id"]
    collection = await ok(
        client, "mutation($c: ID!) { createCartPaymentCollection(cartId: $c) { id } }", {"c": cart_id}
    )
    session = await ok(
        client,
        """mutation($id: ID!, $p: ID!, $d: JSON) {
          initiatePaymentSession(paymentCollectionId: $id, providerId: $p, data: $d) { id }
        }""",
        {"id": collection["createCartPaymentCollection"]["id"], "p": STRIPE, "d": data},
    )
    read = await ok(client, SESSION, {"id": session["initiatePaymentSession"]["id"]})
    return cart_id, read["paymentSession"]


async def test_checkout_with_a_card_then_partial_capture_and_refund(
    client: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    cart_id, session = await stripe_cart(client, {"payment_method": "pm_card_visa"})
    assert session["status"] == "PENDING"
    assert session["data"]["client_secret"]
    await browser.confirm(session["data"]["id"])

    order = (await ok(client, COMPLETE, {"cartId": cart_id}))["completeCart"]
    [collection] = order["paymentCollections"]
    assert (collection["status"], collection["authorizedAmount"]) == ("AUTHORIZED", "30.00")
    payment_id = collection["payments"][0]["id"]

    captured = await ok(
        client,
        'mutation($p: ID!) { capturePayment(paymentId: $p, amount: "25") { capturedAmount } }',
        {"p": payment_id},
    )
    assert captured["capturePayment"]["capturedAmount"] == "25.00"
    refunded = await ok(
        client,
        'mutation($p: ID!) { refundPayment(paymentId: $p, amount: "5.50") { refundedAmount } }',
        {"p": payment_id},
    )
    assert refunded["refundPayment"]["refundedAmount"] == "5.50"
    assert (await browser.intent(session["data"]["id"]))["status"] == "succeeded"


async def test_checkout_with_3d_secure_requires_more_then_completes(
    client: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    card = await browser.card("4000002500003155")
    cart_id, session = await stripe_cart(client, {"payment_method": card})
    await browser.confirm(session["data"]["id"])
    body = await gql(client, COMPLETE, {"cartId": cart_id})
    assert body["errors"][0]["extensions"]["code"] == "PAYMENT_REQUIRES_MORE"

    await browser.authenticate(session["data"]["id"], session["data"]["client_secret"])
    order = (await ok(client, COMPLETE, {"cartId": cart_id}))["completeCart"]
    assert order["paymentCollections"][0]["status"] == "AUTHORIZED"


async def test_checkout_with_a_declined_card_fails_and_keeps_the_cart_open(
    client: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    cart_id, session = await stripe_cart(client, {"payment_method": "pm_card_chargeCustomerFail"})
    await browser.confirm(session["data"]["id"])
    body = await gql(client, COMPLETE, {"cartId": cart_id})
    assert body["errors"][0]["extensions"]["code"] == "PAYMENT_AUTHORIZATION_FAILED"
    read = await ok(client, SESSION, {"id": session["id"]})
    assert read["paymentSession"]["status"] == "ERROR"
    assert read["paymentSession"]["payment"] is None


async def test_the_webhook_endpoint_verifies_stores_and_applies(
    client: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    _, session = await stripe_cart(client, {"payment_method": "pm_card_visa"})
    await browser.confirm(session["data"]["id"])
    intent = await browser.intent(session["data"]["id"])
    body = intent_event("payment_intent.amount_capturable_updated", intent, event_id="evt_http")

    forged = await client.post(
        "/hooks/payment/stripe_stripe",
        content=body,
        headers={"stripe-signature": sign(body, secret="whsec_x")},
    )
    assert forged.status_code == 400
    for _ in range(2):
        response = await client.post(
            "/hooks/payment/stripe_stripe", content=body, headers={"stripe-signature": sign(body)}
        )
        assert response.status_code == 200
    read = await ok(client, SESSION, {"id": session["id"]})
    assert read["paymentSession"]["status"] == "AUTHORIZED"
    assert read["paymentSession"]["payment"]["id"].startswith("pay_")


async def test_account_holders_and_saved_cards_over_graphql(
    client: httpx.AsyncClient, browser: StripeBrowser
) -> None:
    customer = await ok(
        client, 'mutation { createCustomer(input: {email: "ada@example.com", firstName: "Ada"}) { id } }'
    )
    holder = await ok(
        client,
        """mutation($c: ID!, $p: ID!) {
          createAccountHolder(customerId: $c, providerId: $p) { id externalId customer { id } }
        }""",
        {"c": customer["createCustomer"]["id"], "p": STRIPE},
    )
    holder = holder["createAccountHolder"]
    assert holder["externalId"].startswith("cus_")
    assert holder["customer"]["id"] == customer["createCustomer"]["id"]

    saved = await ok(
        client,
        """mutation($h: ID!) {
          savePaymentMethod(accountHolderId: $h, data: {usage: "off_session"}) { id data }
        }""",
        {"h": holder["id"]},
    )
    setup_id = saved["savePaymentMethod"]["id"]
    assert setup_id.startswith("seti_")
    confirmed = await browser.client.post(
        f"/v1/setup_intents/{setup_id}/confirm", data={"payment_method": "pm_card_visa"}
    )
    await browser.client.post(
        f"/v1/payment_methods/{confirmed.json()['payment_method']}/attach",
        data={"customer": holder["externalId"]},
    )
    methods = await ok(
        client,
        "query($h: ID!) { accountHolder(id: $h) { paymentMethods { id providerId data } } }",
        {"h": holder["id"]},
    )
    [method] = methods["accountHolder"]["paymentMethods"]
    assert method["providerId"] == STRIPE
    assert method["data"]["card"]["last4"] == "4242"


WEBHOOK_EVENTS = """query($status: String) {
  webhookEvents(status: $status) {
    items { eventId eventType action status attempts lastError paymentSessionId } count skip take
  }
}"""


async def test_admins_see_failed_webhook_events(client: httpx.AsyncClient, browser: StripeBrowser) -> None:
    _, session = await stripe_cart(client, {"payment_method": "pm_card_visa", "capture_method": "automatic"})
    intent = await browser.intent(session["data"]["id"])
    # Claims a capture the intent does not show (not confirmed yet): applying it fails and is kept.
    body = intent_event("payment_intent.succeeded", intent, event_id="evt_unapplied")
    response = await client.post(
        "/hooks/payment/stripe_stripe", content=body, headers={"stripe-signature": sign(body)}
    )
    assert response.status_code == 200

    page = (await ok(client, WEBHOOK_EVENTS, {"status": "failed"}))["webhookEvents"]
    assert (page["count"], page["skip"], page["take"]) == (1, 0, 20)
    failed = page["items"]
    assert [(e["eventId"], e["action"], e["attempts"]) for e in failed] == [("evt_unapplied", "captured", 1)]
    assert failed[0]["paymentSessionId"] == session["id"]
    assert "PAYMENT_AUTHORIZATION_FAILED" in failed[0]["lastError"]
    assert (await ok(client, WEBHOOK_EVENTS, {"status": "processed"}))["webhookEvents"] == {
        "items": [],
        "count": 0,
        "skip": 0,
        "take": 20,
    }

    store = await client.post("/graphql", json={"query": WEBHOOK_EVENTS, "variables": {}})
    assert store.json()["errors"][0]["extensions"]["code"] in {"FORBIDDEN", "UNAUTHENTICATED"}
    unknown = await gql(client, WEBHOOK_EVENTS, {"status": "lost"})
    assert unknown["errors"][0]["extensions"]["code"] == "INVALID_DATA"
