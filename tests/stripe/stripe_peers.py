"""Helpers for the Stripe tests: a Stripe.js stand-in, signed events, sessions, a loopback server."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from paymentgraph import PaymentGraph
from paymentgraph.http.webhooks import handle

API_KEY = "sk_test_paymentgraph"
WEBHOOK_SECRET = "whsec_paymentgraph_test"
STRIPE = "pp_stripe_stripe"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class StripeBrowser:
    """What Stripe.js does in the customer's browser, done over HTTP against a Stripe peer."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, auth=(API_KEY, ""))

    async def confirm(self, intent_id: str) -> dict[str, Any]:
        response = await self.client.post(f"/v1/payment_intents/{intent_id}/confirm")
        return dict(response.json())

    async def card(self, number: str) -> str:
        response = await self.client.post(
            "/v1/payment_methods",
            data={
                "type": "card",
                "card[number]": number,
                "card[exp_month]": "12",
                "card[exp_year]": "2034",
                "card[cvc]": "123",
            },
        )
        response.raise_for_status()
        return str(response.json()["id"])

    async def authenticate(
        self, intent_id: str, client_secret: str, *, success: bool = True
    ) -> dict[str, Any]:
        """Finish 3-D Secure (localstripe's stand-in for the bank's challenge page)."""
        response = await self.client.post(
            f"/v1/payment_intents/{intent_id}/_authenticate",
            data={"client_secret": client_secret, "success": "true" if success else "false"},
        )
        response.raise_for_status()
        return dict(response.json())

    async def intent(self, intent_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/v1/payment_intents/{intent_id}")
        response.raise_for_status()
        return dict(response.json())

    async def close(self) -> None:
        await self.client.aclose()


async def new_session(pg: PaymentGraph, amount: str = "20", currency: str = "usd", **data: Any) -> Any:
    """A payment collection and a Stripe session on it (``data`` feeds the PaymentIntent)."""
    collection = await pg.payment.create_payment_collections({"currency_code": currency, "amount": amount})
    return await pg.payment.create_payment_session(collection.id, {"provider_id": STRIPE, "data": data})


def sign(body: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header for ``body`` (what Stripe sends)."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def intent_event(event_type: str, intent: dict[str, Any], *, event_id: str, **overrides: Any) -> bytes:
    """A Stripe event about ``intent`` as the raw bytes Stripe would post."""
    obj = {**intent, **overrides}
    event = {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": obj},
    }
    return json.dumps(event, default=str).encode()


def webhook_app(pg: PaymentGraph) -> Starlette:
    """The webhook route on its own (the full app mounts the same handler)."""
    app = Starlette(routes=[Route("/hooks/payment/{provider}", handle, methods=["POST"])])
    app.state.pg = pg
    return app


@contextlib.asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[str]:
    """``app`` served by uvicorn on 127.0.0.1 (a free port) for the duration of the block."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def eventually(check: Any, *, within: float = 15.0) -> Any:
    """Poll an async ``check`` until it returns something truthy (webhooks arrive ~1 s later)."""
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)
