"""Merchant webhooks delivered by the served app's worker to a real receiver on loopback (private
addresses allowed for it), signed, retried, recorded and redeliverable; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from http_helpers import ADMIN_TOKEN, GraphQL
from webhook_receiver import Receiver

from paymentgraph.config import Settings
from paymentgraph.events.webhooks.sender import PER_ENDPOINT
from paymentgraph.webhooks import SignatureVerificationError, verify_signature

CREATE_ENDPOINT = """
mutation ($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret webhookEndpoint { id url events isEnabled } }
}
"""
UPDATE_ENDPOINT = """
mutation ($id: ID!, $input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(id: $id, input: $input) { id }
}
"""
ENDPOINTS = """
query {
  webhookEndpoints {
    id
    deliveries(take: 10) {
      id status attempts responseStatus lastError nextAttemptAt createdAt
      event { id name data }
      attemptHistory { responseStatus error nextAttemptAt }
    }
  }
}
"""
REDELIVER = """
mutation ($endpointId: ID!, $eventId: ID!) {
  redeliverEvent(endpointId: $endpointId, eventId: $eventId) { id status attempts event { id name } }
}
"""
COLLECTION = 'mutation { createPaymentCollection(input: {currencyCode: "usd", amount: "40"}) { id } }'
SESSION = """
mutation ($id: ID!) {
  createPaymentSession(paymentCollectionId: $id, input: {providerId: "pp_system_default"}) { id }
}
"""
AUTHORIZE = "mutation ($id: ID!) { authorizePaymentSession(id: $id) { id } }"
CAPTURE = "mutation ($id: ID!) { capturePayment(paymentId: $id) { id capturedAmount } }"


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Retries a few milliseconds apart, and a retry window of a second: the schedule's shape, fast.
    return Settings(
        database_url=database_url,
        admin_tokens=ADMIN_TOKEN,
        webhook_allow_private_urls=True,
        webhook_retry_base_seconds=0.01,
        webhook_retry_window_seconds=3600,
        maintenance_cron="",
    )


async def until(check: Callable[[], Awaitable[Any]], within: float = 30.0) -> Any:
    deadline = time.monotonic() + within
    while not (result := await check()):
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.02)
    return result


async def endpoint(gql: GraphQL, url: str, events: list[str]) -> tuple[str, str]:
    given = {"input": {"url": url, "events": events}}
    created = (await gql.data(CREATE_ENDPOINT, given))["createWebhookEndpoint"]
    return created["webhookEndpoint"]["id"], created["secret"]


async def deliveries(gql: GraphQL, endpoint_id: str) -> list[dict[str, Any]]:
    found = (await gql.data(ENDPOINTS))["webhookEndpoints"]
    return next(e["deliveries"] for e in found if e["id"] == endpoint_id)


async def capture(gql: GraphQL) -> str:
    """A captured payment of 40 USD (system provider); its id."""
    collection = (await gql.data(COLLECTION))["createPaymentCollection"]["id"]
    session = (await gql.data(SESSION, {"id": collection}))["createPaymentSession"]["id"]
    payment = (await gql.data(AUTHORIZE, {"id": session}))["authorizePaymentSession"]["id"]
    await gql.data(CAPTURE, {"id": payment})
    return str(payment)


async def test_a_capture_delivers_one_signed_webhook(gql: GraphQL) -> None:
    async with Receiver() as receiver:
        endpoint_id, secret = await endpoint(gql, receiver.url, ["payment.captured"])
        payment_id = await capture(gql)

        async def succeeded() -> list[dict[str, Any]]:
            found = await deliveries(gql, endpoint_id)
            return found if found and found[0]["status"] == "SUCCEEDED" else []

        [delivery] = await until(succeeded)

    [request] = receiver.requests  # exactly one: the capture, nothing else the flow emitted
    assert request.path == "/hooks/paymentgraph"
    assert request.headers["content-type"] == "application/json"
    event = verify_signature(request.body, request.headers["paymentgraph-signature"], secret)
    assert set(event) == {"id", "type", "created", "data"}
    assert (event["type"], event["data"]["id"]) == ("payment.captured", payment_id)
    assert event["data"]["amount"] == "40.00"
    assert isinstance(event["created"], int)
    assert request.headers["paymentgraph-event-id"] == event["id"] == delivery["event"]["id"]
    assert json.loads(request.body) == event
    with pytest.raises(SignatureVerificationError):
        verify_signature(request.body, request.headers["paymentgraph-signature"], "whsec_other")

    assert (delivery["attempts"], delivery["responseStatus"], delivery["lastError"]) == (1, 200, None)
    assert delivery["nextAttemptAt"] is None
    assert delivery["event"]["name"] == "payment.captured"
    assert delivery["attemptHistory"] == [{"responseStatus": 200, "error": None, "nextAttemptAt": None}]


async def test_a_500_is_retried_and_recorded_then_redelivered_by_hand(gql: GraphQL) -> None:
    async with Receiver(statuses=[500, 503]) as receiver:
        endpoint_id, _ = await endpoint(gql, receiver.url, ["payment_collection.created"])
        await gql.data(COLLECTION)

        async def settled() -> list[dict[str, Any]]:
            found = await deliveries(gql, endpoint_id)
            return found if found and found[0]["status"] != "PENDING" else []

        [delivery] = await until(settled)
        assert (delivery["status"], delivery["attempts"], delivery["responseStatus"]) == ("SUCCEEDED", 3, 200)
        history = delivery["attemptHistory"]  # newest first
        assert [a["responseStatus"] for a in history] == [200, 503, 500]
        errors = [None, "HTTP 503: receiver is down", "HTTP 500: receiver is down"]
        assert [a["error"] for a in history] == errors
        assert history[0]["nextAttemptAt"] is None and all(a["nextAttemptAt"] for a in history[1:])
        assert [r.answered for r in receiver.requests] == [500, 503, 200]
        assert len({r.headers["paymentgraph-event-id"] for r in receiver.requests}) == 1

        event_id = delivery["event"]["id"]
        ids = {"endpointId": endpoint_id, "eventId": event_id}
        again = (await gql.data(REDELIVER, ids))["redeliverEvent"]
        assert (again["id"], again["status"], again["attempts"]) == (delivery["id"], "PENDING", 0)
        await until(lambda: asyncio.sleep(0, len(receiver.requests) == 4))
        [redelivered] = await until(settled)
        assert (redelivered["status"], redelivered["attempts"]) == ("SUCCEEDED", 1)
        assert [a["responseStatus"] for a in redelivered["attemptHistory"]] == [200, 200, 503, 500]
    assert receiver.requests[-1].headers["paymentgraph-event-id"] == event_id


async def test_an_endpoint_gets_only_the_events_it_listed(gql: GraphQL) -> None:
    async with Receiver() as listed, Receiver() as everything, Receiver() as disabled:
        await endpoint(gql, listed.url, ["payment_session.created"])
        all_events, _ = await endpoint(gql, everything.url, ["*"])
        off, _ = await endpoint(gql, disabled.url, ["*"])
        await gql.data(UPDATE_ENDPOINT, {"id": off, "input": {"isEnabled": False}})
        collection = (await gql.data(COLLECTION))["createPaymentCollection"]["id"]
        session = (await gql.data(SESSION, {"id": collection}))["createPaymentSession"]["id"]

        async def all_sent() -> bool:
            mine = await deliveries(gql, all_events)
            return len(mine) >= 3 and all(d["status"] == "SUCCEEDED" for d in mine)

        await until(all_sent)
        await until(lambda: asyncio.sleep(0, bool(listed.requests)))

    [only] = listed.requests
    assert json.loads(only.body)["type"] == "payment_session.created"
    assert json.loads(only.body)["data"]["id"] == session
    types = sorted(json.loads(r.body)["type"] for r in everything.requests)
    assert types == ["payment_collection.created", "payment_collection.updated", "payment_session.created"]
    assert disabled.requests == []
    assert await deliveries(gql, off) == []
    event_id = json.loads(only.body)["id"]
    refused = await gql.error(REDELIVER, {"endpointId": off, "eventId": event_id})
    assert refused["extensions"]["code"] == "NOT_ALLOWED" and "disabled" in refused["message"]


async def test_a_slow_receiver_holds_a_few_requests_and_never_delays_another_endpoint(gql: GraphQL) -> None:
    release = asyncio.Event()
    async with Receiver(hold=release) as slow, Receiver() as fast:
        slow_id, _ = await endpoint(gql, slow.url, ["payment_collection.created"])
        fast_id, _ = await endpoint(gql, fast.url, ["payment_collection.created"])
        for _ in range(6):
            await gql.data(COLLECTION)

        async def fast_done() -> bool:
            mine = await deliveries(gql, fast_id)
            return len(mine) == 6 and all(d["status"] == "SUCCEEDED" for d in mine)

        await until(fast_done)  # while the slow receiver still holds every request it got
        await until(lambda: asyncio.sleep(0, slow.open == PER_ENDPOINT))
        assert all(d["status"] == "PENDING" for d in await deliveries(gql, slow_id))
        release.set()

        async def slow_done() -> bool:
            mine = await deliveries(gql, slow_id)
            return len(mine) == 6 and all(d["status"] == "SUCCEEDED" for d in mine)

        await until(slow_done)
    assert slow.most_open == PER_ENDPOINT  # the rest waited for a slot
    assert len({r.headers["paymentgraph-event-id"] for r in slow.requests}) == 6


async def test_redeliver_refuses_unknown_ids(gql: GraphQL) -> None:
    async with Receiver() as receiver:
        endpoint_id, _ = await endpoint(gql, receiver.url, ["*"])
        missing_event = await gql.error(REDELIVER, {"endpointId": endpoint_id, "eventId": "evt_missing"})
        unknown = {"endpointId": "whep_missing", "eventId": "evt_missing"}
        missing_endpoint = await gql.error(REDELIVER, unknown)
    assert missing_event["extensions"]["code"] == "NOT_FOUND"
    assert missing_endpoint["extensions"]["code"] == "NOT_FOUND"
