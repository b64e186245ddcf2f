"""The admin ``events(filter, skip, take)`` query: the outbox's events, newest first."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from http_helpers import GraphQL
from starlette.applications import Starlette

from paymentgraph.errors import ErrorCode
from paymentgraph.events import Event

EVENTS = """
query ($filter: EventFilter, $skip: Int, $take: Int) {
  events(filter: $filter, skip: $skip, take: $take) { count skip take items { id name data createdAt } }
}
"""
CREATE = 'mutation { createPaymentCollection(input: {currencyCode: "usd", amount: "12.50"}) { id } }'


async def test_events_lists_newest_first_with_filters_and_pages(gql: GraphQL) -> None:
    first = (await gql.data(CREATE))["createPaymentCollection"]["id"]
    second = (await gql.data(CREATE))["createPaymentCollection"]["id"]

    page = (await gql.data(EVENTS))["events"]
    assert (page["count"], page["skip"], page["take"]) == (2, 0, 20)
    assert [(e["name"], e["data"]["id"]) for e in page["items"]] == [
        ("payment_collection.created", second),
        ("payment_collection.created", first),
    ]
    assert all(e["id"].startswith("evt_") for e in page["items"])

    paged = (await gql.data(EVENTS, {"skip": 1, "take": 1}))["events"]
    assert [e["data"]["id"] for e in paged["items"]] == [first]
    none = await gql.data(EVENTS, {"filter": {"name": {"eq": "payment.captured"}}})
    assert none["events"] == {"count": 0, "skip": 0, "take": 20, "items": []}


async def test_events_are_for_admins_only(gql: GraphQL) -> None:
    error = await gql.error(EVENTS, admin=False)
    assert error["extensions"]["code"] == ErrorCode.UNAUTHENTICATED


DELIVERIES = """
query ($status: String) {
  subscriberDeliveries(status: $status) { id eventName subscriber status attempts lastError }
}
"""
RETRY = "mutation ($id: ID!) { retrySubscriberDelivery(id: $id) { id status attempts lastError } }"


async def until(check: Any, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.02)


async def test_an_admin_sees_a_failed_delivery_and_retries_it(gql: GraphQL, app: Starlette) -> None:
    pg = app.state.pg
    outcomes = ["down", "down"]
    handled: list[str] = []

    async def ledger(event: Event, _pg: Any) -> None:
        if outcomes:
            raise RuntimeError(f"ledger is {outcomes.pop(0)}")
        handled.append(event.data["id"])

    pg.handlers.subscribe(["payment_collection.created"], ledger, name="ledger", max_attempts=1)
    created = (await gql.data(CREATE))["createPaymentCollection"]["id"]

    async def failed() -> list[dict[str, Any]]:
        return (await gql.data(DELIVERIES, {"status": "failed"}))["subscriberDeliveries"]

    await until(failed)  # the served app's worker delivered it (woken by the commit), and it failed
    [delivery] = await failed()
    assert (delivery["eventName"], delivery["subscriber"], delivery["attempts"]) == (
        "payment_collection.created",
        "ledger",
        1,
    )
    assert delivery["lastError"] == "RuntimeError: ledger is down"

    outcomes.clear()
    retried = (await gql.data(RETRY, {"id": delivery["id"]}))["retrySubscriberDelivery"]
    assert retried["id"] == delivery["id"] and retried["attempts"] in (0, 1)

    async def succeeded() -> bool:
        return handled == [created]

    await until(succeeded)
    missing = await gql.error(RETRY, {"id": "evdl_missing"})
    assert missing["extensions"]["code"] == ErrorCode.NOT_FOUND
    refused = await gql.error(RETRY, {"id": delivery["id"]}, admin=False)
    assert refused["extensions"]["code"] == ErrorCode.UNAUTHENTICATED
