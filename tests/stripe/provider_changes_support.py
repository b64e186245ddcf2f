"""The served app on a Stripe peer, and checkout over GraphQL, for the provider-change HTTP tests.

``StripeShop`` drives the real app (lifespan included) through httpx's ASGI transport: carts paid with
Stripe, admin mutations, and signed Stripe events posted to ``/hooks/payment/stripe_stripe``.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette
from stripe_peers import API_KEY, STRIPE, WEBHOOK_SECRET, sign

from paymentgraph.app import create_app
from paymentgraph.config import Settings

ADMIN_TOKEN = "provider-changes-admin"
ROUTE = "/hooks/payment/stripe_stripe"

SESSION = """query($id: ID!) {
  paymentSession(id: $id) { id status data payment { id capturedAmount canceledAt authorizationExpiresAt } }
}"""
COMPLETE = """mutation($cartId: ID!) {
  completeCart(cartId: $cartId) {
    id
    paymentCollections { id status authorizedAmount capturedAmount refundedAmount
      paymentSessions { id status } payments { id } }
  }
}"""
COLLECTION = """query($id: ID!) {
  paymentCollection(id: $id) {
    id status authorizedAmount capturedAmount refundedAmount
    paymentSessions { id status }
    payments {
      id amount capturedAmount refundedAmount canceledAt authorizationExpiresAt
      refunds { id amount note createdBy status }
      disputes { id providerId externalId amount currencyCode reason status evidenceDueBy }
    }
  }
}"""


def stripe_app_settings(database_url: str, api_base: str, **extra: Any) -> Settings:
    return Settings(
        database_url=database_url,
        admin_tokens=ADMIN_TOKEN,
        stripe_api_key=API_KEY,
        stripe_api_base=api_base,
        stripe_webhook_secret=WEBHOOK_SECRET,
        **extra,
    )


@asynccontextmanager
async def served_app(settings: Settings) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield app, client


class StripeShop:
    """GraphQL and webhooks of the served app, and the Stripe peer as the customer's browser."""

    def __init__(self, client: httpx.AsyncClient, stripe_base: str) -> None:
        self.client = client
        self.stripe = httpx.AsyncClient(base_url=stripe_base, auth=(API_KEY, ""))

    async def close(self) -> None:
        await self.stripe.aclose()

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def ok(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        body = await self.post(query, variables)
        assert "errors" not in body, body
        return body["data"]

    async def error_code(self, query: str, variables: dict[str, Any] | None = None) -> str:
        body = await self.post(query, variables)
        assert body.get("errors"), body
        return str(body["errors"][0]["extensions"]["code"])

    async def cart(self, data: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
        """A 30.00 EUR cart in a region offering Stripe, with a Stripe session.

        Returns (cart id, collection id, session)."""
        region = await self.ok('mutation { createRegion(input: {name: "EU", currencyCode: "eur"}) { id } }')
        region_id = region["createRegion"]["id"]
        await self.ok(
            """mutation($r: ID!, $p: ID!) {
              createRegionPaymentProviderLink(regionId: $r, paymentProviderId: $p)
            }""",
            {"r": region_id, "p": STRIPE},
        )
        items = [{"title": "Lamp", "quantity": 3, "unitPrice": "10.00"}]
        cart = await self.ok(
            "mutation($input: CreateCartInput!) { createCart(input: $input) { id } }",
            {"input": {"regionId": region_id, "email": "b@example.com", "items": items}},
        )
        cart_id = cart["createCart"]["id"]
        collection = await self.ok(
            "mutation($c: ID!) { createCartPaymentCollection(cartId: $c) { id } }", {"c": cart_id}
        )
        collection_id = collection["createCartPaymentCollection"]["id"]
        session = await self.ok(
            """mutation($id: ID!, $p: ID!, $d: JSON) {
              initiatePaymentSession(paymentCollectionId: $id, providerId: $p, data: $d) { id }
            }""",
            {"id": collection_id, "p": STRIPE, "d": data},
        )
        return cart_id, collection_id, await self.session(session["initiatePaymentSession"]["id"])

    async def session(self, session_id: str) -> dict[str, Any]:
        return dict((await self.ok(SESSION, {"id": session_id}))["paymentSession"])

    async def collection(self, collection_id: str) -> dict[str, Any]:
        return dict((await self.ok(COLLECTION, {"id": collection_id}))["paymentCollection"])

    async def complete(self, cart_id: str) -> dict[str, Any]:
        return dict((await self.ok(COMPLETE, {"cartId": cart_id}))["completeCart"])

    async def confirm(self, intent_id: str, **params: str) -> dict[str, Any]:
        """What Stripe.js does when the customer pays."""
        response = await self.stripe.post(f"/v1/payment_intents/{intent_id}/confirm", data=params)
        response.raise_for_status()
        return dict(response.json())

    async def intent(self, intent_id: str) -> dict[str, Any]:
        response = await self.stripe.get(f"/v1/payment_intents/{intent_id}")
        response.raise_for_status()
        return dict(response.json())

    async def deliver(
        self, event_type: str, obj: dict[str, Any], *, event_id: str, created: int | None = None
    ) -> None:
        """Post a signed Stripe event about ``obj`` to the app, as Stripe does; it must be accepted."""
        event = {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": int(time.time()) if created is None else created,
            "data": {"object": obj},
        }
        body = json.dumps(event).encode()
        response = await self.client.post(
            ROUTE, content=body, headers={"content-type": "application/json", "stripe-signature": sign(body)}
        )
        assert response.status_code == 200, response.text
