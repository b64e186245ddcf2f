"""A serving process killed (SIGKILL) while completeCart waits on Stripe holds nothing for long.

A real ``paymentgraph serve`` process completes a cart whose Stripe PaymentIntent read is held open by
the in-repo fake; the test kills it there, starts a new server on the same database and sends the same
request with the same Idempotency-Key. The dead process's in-use claim and cart lease lapse within
seconds (they are renewed only while their process lives), so the retry resumes the recorded run and
finishes it: one authorization at the fake, one payment, one order.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_stripe import FakeStripeState
from sqlalchemy import select
from stripe_peers import API_KEY, STRIPE, WEBHOOK_SECRET, free_port

from paymentgraph.db.session import create_engine
from paymentgraph.workflows.models import WorkflowRun

ADMIN = {"Authorization": "Bearer test-admin"}
COMPLETE = "mutation($c: ID!) { completeCart(cartId: $c) { id cartId total } }"
# Longer than the claim and lease expiry (10 s) with room for a slow machine, far below the old
# 5 minutes; the test polls, it does not time the retry.
RETRY_WITHIN_SECONDS = 60.0


def _command() -> list[str]:
    script = Path(sys.executable).with_name("paymentgraph")
    return [str(script)] if script.exists() else [sys.executable, "-m", "paymentgraph.cli"]


def _log_text(log: Path) -> str:
    return log.read_text(errors="replace")


@asynccontextmanager
async def serving(
    database_url: str, stripe_base: str, log: Path
) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    """``paymentgraph serve`` on a free loopback port, against ``database_url`` and the fake Stripe."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYMENTGRAPH_")}
    env.update(
        PAYMENTGRAPH_DATABASE_URL=database_url,
        PAYMENTGRAPH_ADMIN_TOKENS="test-admin",
        PAYMENTGRAPH_STRIPE_API_KEY=API_KEY,
        PAYMENTGRAPH_STRIPE_API_BASE=stripe_base,
        PAYMENTGRAPH_STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        PAYMENTGRAPH_WEBHOOK_RETRY_SECONDS="0",
    )
    port = free_port()
    with open(log, "ab") as out:  # noqa: ASYNC230 (a local file, opened once)
        process = await asyncio.create_subprocess_exec(
            *_command(), "serve", "--port", str(port), env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            deadline = time.monotonic() + 60
            while True:
                if process.returncode is not None:
                    pytest.fail(f"paymentgraph serve exited with {process.returncode}: {_log_text(log)}")
                try:
                    if (await client.get(f"{base}/health", timeout=2)).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"paymentgraph serve did not answer in 60 s: {_log_text(log)}")
                await asyncio.sleep(0.2)
        yield base, process
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()


async def call(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, **headers: str
) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


async def data(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = await call(client, query, variables, **ADMIN)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


async def open_stripe_cart(client: httpx.AsyncClient, fake: FakeStripeState, stripe_base: str) -> str:
    """A 30.00 USD cart paying with Stripe, its PaymentIntent confirmed by the customer (authorized)."""
    region = await data(client, 'mutation { createRegion(input: {name: "US", currencyCode: "usd"}) { id } }')
    region_id = region["createRegion"]["id"]
    await data(
        client,
        "mutation($r: ID!, $p: ID!) { createRegionPaymentProviderLink(regionId: $r, paymentProviderId: $p) }",
        {"r": region_id, "p": STRIPE},
    )
    items = [{"title": "Shirt", "quantity": 3, "unitPrice": "10.00"}]
    cart = await data(
        client,
        "mutation($i: CreateCartInput!) { createCart(input: $i) { id } }",
        {"i": {"regionId": region_id, "email": "a@example.com", "items": items}},
    )
    cart_id = str(cart["createCart"]["id"])
    collection = await data(
        client, "mutation($c: ID!) { createCartPaymentCollection(cartId: $c) { id } }", {"c": cart_id}
    )
    await data(
        client,
        "mutation($id: ID!, $p: ID!, $d: JSON) {"
        " initiatePaymentSession(paymentCollectionId: $id, providerId: $p, data: $d) { id } }",
        {
            "id": collection["createCartPaymentCollection"]["id"],
            "p": STRIPE,
            "d": {"payment_method": "pm_card"},
        },
    )
    (intent_id,) = fake.intents
    async with httpx.AsyncClient(auth=(API_KEY, "")) as browser:  # what Stripe.js does
        confirmed = await browser.post(f"{stripe_base}/v1/payment_intents/{intent_id}/confirm")
    assert confirmed.json()["status"] == "requires_capture"
    return cart_id


async def retry_until_not_in_use(send: Callable[[], Any]) -> httpx.Response:
    """Send until the answer is not 409 IDEMPOTENCY_KEY_IN_USE (the dead claim has not lapsed yet)."""
    deadline = time.monotonic() + RETRY_WITHIN_SECONDS
    while True:
        response: httpx.Response = await send()
        if response.status_code != 409:
            return response
        assert response.json()["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_IN_USE"
        assert time.monotonic() < deadline, "the dead process's claim did not lapse"
        await asyncio.sleep(0.5)


async def test_a_retry_after_the_server_was_killed_mid_checkout_completes_once(
    database_url: str, fake_stripe: tuple[str, FakeStripeState], tmp_path: Path
) -> None:
    stripe_base, fake = fake_stripe
    log = tmp_path / "serve.log"
    key = {"Idempotency-Key": "checkout-killed-1"}

    async with (
        serving(database_url, stripe_base, log) as (base, process),
        httpx.AsyncClient(base_url=base, timeout=120) as client,
    ):
        cart_id = await open_stripe_cart(client, fake, stripe_base)
        fake.hold_reads = asyncio.Event()
        first = asyncio.create_task(call(client, COMPLETE, {"c": cart_id}, **key))
        await asyncio.wait_for(fake.held.wait(), 60)  # the server is waiting on Stripe now
        process.send_signal(signal.SIGKILL)
        await process.wait()
        with pytest.raises(httpx.TransportError):
            await first
    held, fake.hold_reads = fake.hold_reads, None
    held.set()  # let the fake's orphaned handler finish

    async with (
        serving(database_url, stripe_base, log) as (base, _process),
        httpx.AsyncClient(base_url=base, timeout=120) as client,
    ):
        response = await retry_until_not_in_use(lambda: call(client, COMPLETE, {"c": cart_id}, **key))
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        order = body["data"]["completeCart"]
        assert order["cartId"] == cart_id and order["total"] == "30.00"
        assert "Idempotent-Replayed" not in response.headers  # resumed and finished, not replayed

        again = await call(client, COMPLETE, {"c": cart_id}, **key)
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert again.json()["data"]["completeCart"]["id"] == order["id"]

        seen = await data(
            client,
            "query($c: ID!) { orders(filter: {cartId: {eq: $c}}) { count }"
            " cart(id: $c) { completedAt paymentCollection { status payments { amount canceledAt } } } }",
            {"c": cart_id},
        )
    assert seen["orders"]["count"] == 1
    assert seen["cart"]["completedAt"] is not None
    assert seen["cart"]["paymentCollection"]["status"] == "AUTHORIZED"
    assert seen["cart"]["paymentCollection"]["payments"] == [{"amount": "30.00", "canceledAt": None}]
    # One authorization at Stripe: one PaymentIntent, confirmed once, never canceled, still capturable.
    assert len(fake.writes(r"^/v1/payment_intents$")) == 1
    assert len(fake.writes(r"/confirm$")) == 1
    assert fake.writes(r"/cancel$") == []
    (intent,) = fake.intents.values()
    assert intent["status"] == "requires_capture" and intent["amount_capturable"] == 3000
    # One run, resumed (not restarted) after the step the dead process had recorded.
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            runs = (
                await conn.execute(select(WorkflowRun).where(WorkflowRun.workflow == "complete_cart"))
            ).all()
    finally:
        await engine.dispose()
    assert [(run.status, run.attempts) for run in runs] == [("succeeded", 1)]
