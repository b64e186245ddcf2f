"""Idempotency-Key over HTTP: replay, reuse, in-use, expiry, scopes, and what is never stored."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from checkout_support import SYSTEM_PROVIDER_ID
from starlette.applications import Starlette

from paymentgraph.db.types import utcnow
from paymentgraph.idempotency import IdempotencyStore
from paymentgraph.workflows.cart_payment import CREATE_CART_PAYMENT_COLLECTION
from paymentgraph.workflows.engine import StepContext

ADMIN = {"Authorization": "Bearer test-admin"}
CREATE = """mutation($amount: Decimal!) {
  createPaymentCollection(input: {currencyCode: "usd", amount: $amount}) { id amount }
}"""
COUNT = "{ paymentCollections { count } }"


async def post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    admin: bool = True,
    **extra: Any,
) -> httpx.Response:
    headers = dict(ADMIN) if admin else {}
    if key is not None:
        headers["Idempotency-Key"] = key
    body = {"query": query, "variables": variables, **extra}
    return await client.post("/graphql", json=body, headers=headers)


async def collections(client: httpx.AsyncClient) -> int:
    return int((await post(client, COUNT)).json()["data"]["paymentCollections"]["count"])


def code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


async def test_a_retry_replays_the_first_response_without_a_second_effect(client: httpx.AsyncClient) -> None:
    first = await post(client, CREATE, {"amount": "40"}, key="k-1")
    again = await post(client, CREATE, {"amount": "40"}, key="k-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await collections(client) == 1


async def test_formatting_does_not_change_the_request(client: httpx.AsyncClient) -> None:
    await post(client, CREATE, {"amount": "40"}, key="k-1")
    reformatted = " ".join(CREATE.split())
    again = await post(client, reformatted, {"amount": "40"}, key="k-1")
    assert again.headers["Idempotent-Replayed"] == "true"


async def test_failed_executions_are_stored_and_replayed(client: httpx.AsyncClient) -> None:
    first = await post(client, CREATE, {"amount": "1.005"}, key="k-1")  # finer than a cent
    assert code(first) == "INVALID_DATA"
    again = await post(client, CREATE, {"amount": "1.005"}, key="k-1")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


async def test_the_same_key_with_another_body_is_refused(client: httpx.AsyncClient) -> None:
    await post(client, CREATE, {"amount": "40"}, key="k-1")
    other = await post(client, CREATE, {"amount": "41"}, key="k-1")
    assert other.status_code == 422
    assert code(other) == "IDEMPOTENCY_KEY_REUSED"
    assert await collections(client) == 1


async def test_keys_belong_to_their_caller(client: httpx.AsyncClient) -> None:
    await post(client, CREATE, {"amount": "40"}, key="shared")
    cart_query = 'mutation { createCart(input: {regionId: "reg_missing"}) { id } }'
    store = await post(client, cart_query, key="shared", admin=False)  # the store scope: another caller
    assert code(store) == "NOT_FOUND"
    assert "Idempotent-Replayed" not in store.headers


async def test_a_retry_while_the_first_runs_is_in_use(client: httpx.AsyncClient) -> None:
    cart = await post(client, 'mutation { createRegion(input: {name: "US", currencyCode: "usd"}) { id } }')
    region_id = cart.json()["data"]["createRegion"]["id"]
    created = await post(
        client,
        "mutation($r: ID!) { createCart(input: {regionId: $r}) { id } }",
        {"r": region_id},
        admin=False,
    )
    cart_id = created.json()["data"]["createCart"]["id"]
    mutation = "mutation($c: ID!) { createCartPaymentCollection(cartId: $c) { id } }"
    entered, release = asyncio.Event(), asyncio.Event()
    original = CREATE_CART_PAYMENT_COLLECTION.steps[0].invoke

    async def held(ctx: StepContext) -> dict[str, Any]:
        entered.set()
        await release.wait()
        return await original(ctx)

    with CREATE_CART_PAYMENT_COLLECTION.patched("load_cart", invoke=held):
        first = asyncio.create_task(post(client, mutation, {"c": cart_id}, key="k-1", admin=False))
        await entered.wait()
        second = await post(client, mutation, {"c": cart_id}, key="k-1", admin=False)
        release.set()
        done = await first
    assert second.status_code == 409
    assert code(second) == "IDEMPOTENCY_KEY_IN_USE"
    assert "errors" not in done.json()
    third = await post(client, mutation, {"c": cart_id}, key="k-1", admin=False)
    assert third.headers["Idempotent-Replayed"] == "true"
    assert third.json() == done.json()


async def test_concurrent_requests_with_one_key_have_one_effect(client: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(*(post(client, CREATE, {"amount": "40"}, key="k-1") for _ in range(8)))
    ran = [r for r in responses if r.status_code == 200 and "Idempotent-Replayed" not in r.headers]
    replayed = [r for r in responses if r.headers.get("Idempotent-Replayed") == "true"]
    in_use = [r for r in responses if r.status_code == 409]
    assert len(ran) == 1
    assert len(ran) + len(replayed) + len(in_use) == 8
    assert all(code(r) == "IDEMPOTENCY_KEY_IN_USE" for r in in_use)
    assert all(r.json() == ran[0].json() for r in replayed)
    assert await collections(client) == 1


async def test_requests_refused_before_execution_are_not_stored(client: httpx.AsyncClient) -> None:
    invalid = await post(client, "mutation { createPaymentCollection { id } }", key="k-1")
    assert code(invalid) == "GRAPHQL_VALIDATION_FAILED"
    unauthenticated = await post(client, CREATE, {"amount": "40"}, key="k-2", admin=False)
    assert code(unauthenticated) in {"UNAUTHENTICATED", "FORBIDDEN"}
    # Both keys are free again: a corrected request runs under them.
    for key in ("k-1", "k-2"):
        response = await post(client, CREATE, {"amount": "40"}, key=key)
        assert "errors" not in response.json() and "Idempotent-Replayed" not in response.headers
    assert await collections(client) == 2


async def test_queries_are_not_subject_to_keys(client: httpx.AsyncClient) -> None:
    await post(client, CREATE, {"amount": "40"}, key="k-1")
    query = await post(client, COUNT, key="k-1")
    assert query.json()["data"]["paymentCollections"]["count"] == 1
    assert "Idempotent-Replayed" not in query.headers


async def test_keys_longer_than_255_characters_are_refused(client: httpx.AsyncClient) -> None:
    refused = await post(client, CREATE, {"amount": "40"}, key="k" * 256)
    assert refused.status_code == 400
    assert code(refused) == "INVALID_DATA"
    assert await collections(client) == 0
    accepted = await post(client, CREATE, {"amount": "40"}, key="k" * 255)
    assert "errors" not in accepted.json()


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app: Starlette) -> Clock:
    """A settable clock for the app's idempotency store (the documented ``app.state`` hook)."""
    clock = Clock()
    app.state.idempotency_store = IdempotencyStore(app.state.pg.sessionmaker, clock=clock)
    return clock


async def test_keys_expire_after_24_hours(client: httpx.AsyncClient, clock: Clock, app: Starlette) -> None:
    await post(client, CREATE, {"amount": "40"}, key="k-1")
    clock.now += timedelta(hours=23)
    assert (await post(client, CREATE, {"amount": "40"}, key="k-1")).headers["Idempotent-Replayed"] == "true"
    clock.now += timedelta(hours=1, seconds=1)
    fresh = await post(client, CREATE, {"amount": "41"}, key="k-1")  # not a reuse error: the key expired
    assert "errors" not in fresh.json() and "Idempotent-Replayed" not in fresh.headers
    assert await collections(client) == 2
    store: IdempotencyStore = app.state.idempotency_store
    assert await store.prune() == 0  # the expired row was overwritten by the new request
    clock.now += timedelta(hours=25)
    assert await store.prune() == 1


async def test_the_session_provider_sees_one_initiation_per_key(client: httpx.AsyncClient) -> None:
    region = (
        await post(client, 'mutation { createRegion(input: {name: "US", currencyCode: "usd"}) { id } }')
    ).json()
    region_id = region["data"]["createRegion"]["id"]
    await post(
        client,
        "mutation($r: ID!, $p: ID!) { createRegionPaymentProviderLink(regionId: $r, paymentProviderId: $p) }",
        {"r": region_id, "p": SYSTEM_PROVIDER_ID},
    )
    cart = await post(
        client,
        "mutation($r: ID!) { createCart(input: {regionId: $r}) { id } }",
        {"r": region_id},
        admin=False,
    )
    cart_id = cart.json()["data"]["createCart"]["id"]
    pc = await post(
        client,
        "mutation($c: ID!) { createCartPaymentCollection(cartId: $c) { id } }",
        {"c": cart_id},
        admin=False,
    )
    collection_id = pc.json()["data"]["createCartPaymentCollection"]["id"]
    initiate = """mutation($id: ID!) {
      initiatePaymentSession(paymentCollectionId: $id, providerId: "pp_system_default") { id }
    }"""
    first = await post(client, initiate, {"id": collection_id}, key="s-1", admin=False)
    again = await post(client, initiate, {"id": collection_id}, key="s-1", admin=False)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    sessions = await post(
        client,
        "query($id: ID!) { paymentCollection(id: $id) { paymentSessions { id } } }",
        {"id": collection_id},
    )
    assert sessions.json()["data"]["paymentCollection"]["paymentSessions"] == [
        {"id": first.json()["data"]["initiatePaymentSession"]["id"]}
    ]
