"""A signed-in customer pays with Stripe: their account holder travels with the session, their saved cards
are theirs alone, and they can remove one (detached at Stripe). Over HTTP, against localstripe."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from stripe_peers import API_KEY, STRIPE, StripeBrowser

from paymentgraph.app import create_app
from paymentgraph.config import Settings

pytestmark = pytest.mark.stripe

ADMIN = {"Authorization": "Bearer stripe-admin"}
MY_CARDS = "{ me { accountHolders { id externalId paymentMethods { id data } } } }"


@pytest.fixture
async def app(database_url: str, localstripe: str) -> AsyncIterator[Starlette]:
    settings = Settings(
        database_url=database_url,
        admin_tokens="stripe-admin",
        stripe_api_key=API_KEY,
        stripe_api_base=localstripe,
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


async def post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> dict[str, Any]:
    # None: the admin; "": no Authorization header (a guest); else the customer's session token.
    headers = ADMIN if token is None else ({"Authorization": f"Bearer {token}"} if token else {})
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def ok(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> Any:
    body = await post(client, query, variables, token)
    assert "errors" not in body, body
    return body["data"]


async def customer(client: httpx.AsyncClient, email: str) -> str:
    registered = await ok(
        client,
        'mutation($e: String!) { registerCustomer(input: {email: $e, password: "correct horse"}) { token } }',
        {"e": email},
        token="",  # no header at all: a guest registers
    )
    return str(registered["registerCustomer"]["token"])


async def pay_as(client: httpx.AsyncClient, token: str, region_id: str) -> dict[str, Any]:
    """A cart of the customer's with a Stripe session (its PaymentIntent's data)."""
    items = [{"title": "Shirt", "quantity": 1, "unitPrice": "30.00"}]
    cart = await ok(
        client,
        "mutation($i: CreateCartInput!) { createCart(input: $i) { id } }",
        {"i": {"regionId": region_id, "items": items}},
        token,
    )
    collection = await ok(
        client,
        "mutation($c: ID!) { createCartPaymentCollection(cartId: $c) { id } }",
        {"c": cart["createCart"]["id"]},
        token,
    )
    session = await ok(
        client,
        """mutation($id: ID!, $p: ID!) {
          initiatePaymentSession(
            paymentCollectionId: $id, providerId: $p, data: {payment_method: "pm_card_visa"}
          ) { data }
        }""",
        {"id": collection["createCartPaymentCollection"]["id"], "p": STRIPE},
        token,
    )
    return dict(session["initiatePaymentSession"]["data"])


async def test_a_customers_cards_are_theirs_alone(client: httpx.AsyncClient, browser: StripeBrowser) -> None:
    region = await ok(client, 'mutation { createRegion(input: {name: "US", currencyCode: "usd"}) { id } }')
    region_id = region["createRegion"]["id"]
    await ok(
        client,
        "mutation($r: ID!, $p: ID!) { createRegionPaymentProviderLink(regionId: $r, paymentProviderId: $p) }",
        {"r": region_id, "p": STRIPE},
    )
    ann, ben = await customer(client, "ann@example.com"), await customer(client, "ben@example.com")

    intent = await pay_as(client, ann, region_id)
    [holder] = (await ok(client, MY_CARDS, token=ann))["me"]["accountHolders"]
    assert intent["customer"] == holder["externalId"]  # the session carries Ann's Stripe customer
    assert intent["client_secret"]  # ... and what her browser needs to confirm it
    again = await pay_as(client, ann, region_id)
    assert again["customer"] == holder["externalId"]  # ... the same one the next time
    assert len((await ok(client, MY_CARDS, token=ann))["me"]["accountHolders"]) == 1

    # Ann's browser saves the card with Stripe.js; the storefront offers it again.
    card = await browser.card("4242424242424242")
    await browser.client.post(f"/v1/payment_methods/{card}/attach", data={"customer": holder["externalId"]})
    [method] = (await ok(client, MY_CARDS, token=ann))["me"]["accountHolders"][0]["paymentMethods"]
    assert method["id"] == card and method["data"]["card"]["last4"] == "4242"

    # Ben sees none of it, through any path; his attempts on Ann's holder find nothing.
    assert (await ok(client, MY_CARDS, token=ben))["me"]["accountHolders"] == []
    holder_read = await ok(client, "query($h: ID!) { accountHolder(id: $h) { id } }", {"h": holder["id"]})
    assert holder_read["accountHolder"]["id"] == holder["id"]  # the admin sees it
    delete = (
        """mutation($h: ID!, $m: ID!) { deleteMyPaymentMethod(accountHolderId: $h, paymentMethodId: $m) }"""
    )
    stolen = await post(client, delete, {"h": holder["id"], "m": card}, ben)
    assert stolen["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    guest = await post(client, delete, {"h": holder["id"], "m": card}, token="")
    assert guest["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    unknown = await post(client, delete, {"h": holder["id"], "m": "pm_unknown"}, ann)
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    assert (await ok(client, delete, {"h": holder["id"], "m": card}, ann))["deleteMyPaymentMethod"] is True
    assert (await ok(client, MY_CARDS, token=ann))["me"]["accountHolders"][0]["paymentMethods"] == []
    detached = (await browser.client.get(f"/v1/payment_methods/{card}")).json()
    assert detached["customer"] is None
