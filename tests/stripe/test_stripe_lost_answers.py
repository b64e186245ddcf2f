"""Stripe's answer lost after it acted: captures and refunds stay pending and are settled with the same key.

Peers: localstripe behind ``fault_proxy.FaultProxy`` on loopback. The proxy forwards the provider's
request, lets localstripe act, and then drops the answer (the connection closes, or it hangs past the
client's timeout); it replays by Idempotency-Key as Stripe does. Each flow ends by comparing the ledger
at localstripe (the PaymentIntent, its refunds) with paymentgraph's and by counting what reached
localstripe: nothing is captured or refunded twice. The app is served with its lifespan (maintenance
task off, so only the paths under test settle anything) and driven over HTTP where the client matters.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from aiohttp import web
from fault_proxy import FaultProxy
from starlette.applications import Starlette
from stripe_peers import API_KEY, WEBHOOK_SECRET, StripeBrowser, free_port, new_session

from paymentgraph import PaymentGraph
from paymentgraph.app import create_app
from paymentgraph.config import Settings
from paymentgraph.errors import ProviderUnavailable
from paymentgraph.modules.payment import SystemPaymentProvider
from paymentgraph.modules.payment.providers.stripe import StripeProvider

pytestmark = pytest.mark.stripe

ADMIN = {"Authorization": "Bearer lost-answers-admin"}
NOW = timedelta(0)
CAPTURE = """mutation($p: ID!, $a: Decimal) {
  capturePayment(paymentId: $p, amount: $a) { id capturedAmount captures { id amount status } }
}"""
REFUND = """mutation($p: ID!, $a: Decimal) {
  refundPayment(paymentId: $p, amount: $a) { id refundedAmount refunds { id amount status } }
}"""
PAYMENT = """query($id: ID!) {
  payment(id: $id) { capturedAmount refundedAmount captures { id status } refunds { id amount status } }
}"""


@pytest.fixture
async def proxy(localstripe: str) -> AsyncIterator[tuple[str, FaultProxy]]:
    """The fault proxy in front of localstripe: (its URL, its controls)."""
    faults = FaultProxy(localstripe)
    async with httpx.AsyncClient(base_url=localstripe, timeout=30) as upstream:
        runner = web.AppRunner(faults.app(upstream), access_log=None, shutdown_timeout=0.1)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            yield f"http://127.0.0.1:{port}", faults
        finally:
            await runner.cleanup()


@pytest.fixture
async def app(database_url: str, proxy: tuple[str, FaultProxy]) -> AsyncIterator[Starlette]:
    settings = Settings(
        database_url=database_url,
        admin_tokens="lost-answers-admin",
        stripe_api_key=API_KEY,
        stripe_api_base=proxy[0],
        stripe_webhook_secret=WEBHOOK_SECRET,
        maintenance_cron="",  # no background maintenance job may settle what the test settles
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], key: str | None = None
) -> httpx.Response:
    headers = {**ADMIN, **({"Idempotency-Key": key} if key else {})}
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return response


async def ok(client: httpx.AsyncClient, query: str, variables: dict[str, Any], key: str | None = None) -> Any:
    body = (await post(client, query, variables, key)).json()
    assert "errors" not in body, body
    return body["data"]


async def authorized(pg: PaymentGraph, browser: StripeBrowser, amount: str = "20") -> tuple[str, str]:
    """An authorized Stripe payment (confirmed at localstripe): (payment id, PaymentIntent id)."""
    session = await new_session(pg, amount, payment_method="pm_card_visa")
    await browser.confirm(session.data["id"])
    payment = await pg.payment.authorize_payment_session(session.id)
    return payment.id, session.data["id"]


async def stripe_captured(browser: StripeBrowser, intent_id: str) -> int:
    """What localstripe holds as captured on the intent (before any refund): localstripe records the
    part of the authorization a partial capture released as refunded on the charge."""
    intent = await browser.intent(intent_id)
    [charge] = intent["charges"]["data"]
    return int(charge["amount"] - charge["amount_refunded"]) if charge["captured"] else 0


async def stripe_refunds(browser: StripeBrowser, intent_id: str) -> list[int]:
    """The amounts localstripe refunded on the intent, oldest first."""
    response = await browser.client.get("/v1/refunds", params={"payment_intent": intent_id})
    response.raise_for_status()
    return sorted((r["amount"] for r in response.json()["data"]), reverse=False)


async def test_a_lost_capture_answer_is_pending_over_http_and_the_same_key_resumes_it(
    app: Starlette, client: httpx.AsyncClient, proxy: tuple[str, FaultProxy], browser: StripeBrowser
) -> None:
    faults = proxy[1]
    payment_id, intent_id = await authorized(app.state.pg, browser)
    faults.lose_answers(r"/capture$")
    lost = await post(client, CAPTURE, {"p": payment_id, "a": "15"}, key="capture-once")
    [error] = lost.json()["errors"]
    assert error["extensions"]["code"] == "PROVIDER_UNAVAILABLE"
    assert error["extensions"]["retryable"] is True
    capture_id = error["extensions"]["captureId"]
    read = (await ok(client, PAYMENT, {"id": payment_id}))["payment"]
    assert read["captures"] == [{"id": capture_id, "status": "PENDING"}]
    assert read["capturedAmount"] == "0"
    assert await stripe_captured(browser, intent_id) == 1500  # Stripe did act

    faults.heal()
    retried = await post(client, CAPTURE, {"p": payment_id, "a": "15"}, key="capture-once")
    assert "Idempotent-Replayed" not in retried.headers  # it ran again: the failure was not stored
    payment = retried.json()["data"]["capturePayment"]
    assert payment["capturedAmount"] == "15.00"
    assert payment["captures"] == [{"id": capture_id, "amount": "15.00", "status": "SUCCEEDED"}]
    replayed = await post(client, CAPTURE, {"p": payment_id, "a": "15"}, key="capture-once")
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json()["data"]["capturePayment"] == payment
    # One capture reached localstripe, under the capture id; the retry was Stripe's replay.
    assert [key for _, _, key in faults.writes(r"/capture$")] == [capture_id]
    assert await stripe_captured(browser, intent_id) == 1500


async def test_a_lost_refund_answer_over_http_is_resumed_by_the_same_key_and_refunded_once(
    app: Starlette, client: httpx.AsyncClient, proxy: tuple[str, FaultProxy], browser: StripeBrowser
) -> None:
    faults = proxy[1]
    payment_id, intent_id = await authorized(app.state.pg, browser)
    await ok(client, CAPTURE, {"p": payment_id, "a": None})
    faults.lose_answers(r"^/v1/refunds$")
    lost = await post(client, REFUND, {"p": payment_id, "a": "5"}, key="refund-once")
    [error] = lost.json()["errors"]
    assert (error["extensions"]["code"], error["extensions"]["retryable"]) == ("PROVIDER_UNAVAILABLE", True)
    refund_id = error["extensions"]["refundId"]
    assert await stripe_refunds(browser, intent_id) == [500]
    read = (await ok(client, PAYMENT, {"id": payment_id}))["payment"]
    assert (read["refundedAmount"], read["refunds"]) == (
        "0",
        [{"id": refund_id, "amount": "5.00", "status": "PENDING"}],
    )
    # While the outcome is unknown the 5.00 counts: refunding 16 of the 20 would be an over-refund.
    over = (await post(client, REFUND, {"p": payment_id, "a": "16"})).json()
    assert over["errors"][0]["extensions"]["code"] == "INVALID_DATA"

    faults.heal()
    payment = (await ok(client, REFUND, {"p": payment_id, "a": "5"}, key="refund-once"))["refundPayment"]
    assert payment["refundedAmount"] == "5.00"
    assert payment["refunds"] == [{"id": refund_id, "amount": "5.00", "status": "SUCCEEDED"}]
    assert await stripe_refunds(browser, intent_id) == [500]
    assert [key for _, _, key in faults.writes(r"^/v1/refunds$")] == [refund_id]


async def test_a_different_capture_on_the_payment_settles_the_lost_one_first(
    app: Starlette, client: httpx.AsyncClient, proxy: tuple[str, FaultProxy], browser: StripeBrowser
) -> None:
    faults = proxy[1]
    payment_id, intent_id = await authorized(app.state.pg, browser)
    faults.lose_answers(r"/capture$")
    lost = (await post(client, CAPTURE, {"p": payment_id, "a": "15"})).json()
    assert lost["errors"][0]["extensions"]["code"] == "PROVIDER_UNAVAILABLE"

    faults.heal()
    # Another capture: the lost one is settled first (Stripe captured 15.00 and released the rest), so
    # this one is refused as the payment is closed for capture; nothing is captured twice.
    refused = (await post(client, CAPTURE, {"p": payment_id, "a": "5"})).json()
    assert refused["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
    read = (await ok(client, PAYMENT, {"id": payment_id}))["payment"]
    assert read["capturedAmount"] == "15.00"
    assert [c["status"] for c in read["captures"]] == ["SUCCEEDED"]
    assert len(faults.writes(r"/capture$")) == 1
    assert await stripe_captured(browser, intent_id) == 1500


async def test_a_different_refund_on_the_payment_settles_the_lost_one_first(
    app: Starlette, client: httpx.AsyncClient, proxy: tuple[str, FaultProxy], browser: StripeBrowser
) -> None:
    faults = proxy[1]
    payment_id, intent_id = await authorized(app.state.pg, browser)
    await ok(client, CAPTURE, {"p": payment_id, "a": None})
    faults.lose_answers(r"^/v1/refunds$")
    lost = (await post(client, REFUND, {"p": payment_id, "a": "15"})).json()
    assert lost["errors"][0]["extensions"]["code"] == "PROVIDER_UNAVAILABLE"

    faults.heal()
    payment = (await ok(client, REFUND, {"p": payment_id, "a": "5"}))["refundPayment"]
    assert payment["refundedAmount"] == "20.00"
    assert [(r["amount"], r["status"]) for r in payment["refunds"]] == [
        ("15.00", "SUCCEEDED"),
        ("5.00", "SUCCEEDED"),
    ]
    assert await stripe_refunds(browser, intent_id) == [500, 1500]
    over = (await post(client, REFUND, {"p": payment_id, "a": "0.01"})).json()
    assert over["errors"][0]["extensions"]["code"] == "INVALID_DATA"
    assert len(faults.writes(r"^/v1/refunds$")) == 2


async def test_only_the_recovery_job_settles_a_lost_capture_and_a_lost_refund(
    app: Starlette, client: httpx.AsyncClient, proxy: tuple[str, FaultProxy], browser: StripeBrowser
) -> None:
    faults = proxy[1]
    pg: PaymentGraph = app.state.pg
    captured_id, captured_intent = await authorized(pg, browser)
    await ok(client, CAPTURE, {"p": captured_id, "a": None})
    payment_id, intent_id = await authorized(pg, browser)
    faults.lose_answers(r"/capture$|^/v1/refunds$")
    for query, variables in ((CAPTURE, {"p": payment_id, "a": "12"}), (REFUND, {"p": captured_id, "a": "7"})):
        body = (await post(client, query, variables)).json()
        assert body["errors"][0]["extensions"]["code"] == "PROVIDER_UNAVAILABLE"

    # Still down: the job asks again, learns nothing, and keeps both pending.
    outcomes = await pg.payment.recover_pending_operations(older_than=NOW)
    assert sorted((o.kind, o.outcome) for o in outcomes) == [("capture", "failed"), ("refund", "failed")]

    faults.heal()
    outcomes = await pg.payment.recover_pending_operations(older_than=NOW)
    assert sorted((o.kind, o.outcome) for o in outcomes) == [("capture", "recorded"), ("refund", "recorded")]
    assert await pg.payment.recover_pending_operations(older_than=NOW) == []
    capture_payment = (await ok(client, PAYMENT, {"id": payment_id}))["payment"]
    assert capture_payment["capturedAmount"] == "12.00"
    assert await stripe_captured(browser, intent_id) == 1200
    refund_payment = (await ok(client, PAYMENT, {"id": captured_id}))["payment"]
    assert refund_payment["refundedAmount"] == "7.00"
    assert await stripe_refunds(browser, captured_intent) == [700]
    assert len(faults.writes(r"/capture$")) == 2 and len(faults.writes(r"^/v1/refunds$")) == 1


async def test_a_refund_whose_answer_times_out_stays_pending_and_recovery_records_it_once(
    database_url: str, proxy: tuple[str, FaultProxy], browser: StripeBrowser
) -> None:
    """The other way an answer is lost: it never comes before the client's timeout (no retries)."""
    url, faults = proxy
    stripe = StripeProvider(API_KEY, api_base=url, timeout=1.0, max_network_retries=0)
    async with PaymentGraph.connect(database_url, providers=[SystemPaymentProvider(), stripe]) as pg:
        await pg.sync_providers()
        payment_id, intent_id = await authorized(pg, browser)
        await pg.payment.capture_payment({"payment_id": payment_id})
        faults.hang_answers(r"^/v1/refunds$")
        with pytest.raises(ProviderUnavailable) as raised:
            await pg.payment.refund_payment({"payment_id": payment_id, "amount": "8"})
        assert raised.value.details["stripe_error"] == "APIConnectionError"
        [pending] = await pg.payment.list_refunds({"payment_id": payment_id})
        assert (pending.id, pending.status) == (raised.value.details["refundId"], "pending")

        faults.heal()
        [outcome] = await pg.payment.recover_pending_operations(older_than=NOW)
        assert (outcome.id, outcome.outcome) == (pending.id, "recorded")
        assert (await pg.payment.retrieve_payment(payment_id)).refunded_amount == 8
        assert await stripe_refunds(browser, intent_id) == [800]
