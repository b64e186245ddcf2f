"""Load beyond what a worker runs at once is answered 503 SERVICE_UNAVAILABLE with Retry-After at once,
not queued; /health stays outside the bound; once the running request ends everything succeeds again.

A request is held in flight deterministically: the test provider's ``initiate_payment`` waits for the
test (:mod:`held_provider`), so ``createPaymentSession`` stays running until the test releases it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from held_provider import PROVIDER_ID, WEBHOOK_PATH, HeldProvider, write_config
from http_helpers import ADMIN, ADMIN_TOKEN
from starlette.applications import Starlette

from paymentgraph.app import create_app
from paymentgraph.config import Settings
from paymentgraph.http.overload import LONGEST_RETRY_AFTER, RetrySpread

CREATE = 'mutation { createPaymentCollection(input: {currencyCode: "usd", amount: "10"}) { id } }'
SESSION = """
mutation($id: ID!, $provider: ID!) {
  createPaymentSession(paymentCollectionId: $id, input: {providerId: $provider}) { id providerId }
}
"""
COUNT = "{ paymentCollections { count } }"


@pytest.fixture
async def app(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Starlette]:
    monkeypatch.setenv("PAYMENTGRAPH_CONFIG", str(write_config(tmp_path)))
    settings = Settings(
        database_url=database_url,
        admin_tokens=ADMIN_TOKEN,
        worker=False,
        max_in_flight=1,
        cors_origins="https://shop.example",
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application
    HeldProvider.entered = HeldProvider.release = None


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=ADMIN) as client:
        yield client


def _assert_at_capacity(response: httpx.Response, error: dict[str, object]) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"
    assert error["code"] == "SERVICE_UNAVAILABLE"
    assert error["retryable"] is True


async def _hold_a_session(http: httpx.AsyncClient) -> tuple[asyncio.Task[httpx.Response], asyncio.Event]:
    """A createPaymentSession request held in flight (the provider waits for the test), and its release."""
    created = await http.post("/graphql", json={"query": CREATE})
    collection_id = created.json()["data"]["createPaymentCollection"]["id"]
    entered, release = HeldProvider.hold()
    variables = {"id": collection_id, "provider": PROVIDER_ID}
    held = asyncio.create_task(http.post("/graphql", json={"query": SESSION, "variables": variables}))
    entering = asyncio.create_task(entered.wait())
    await asyncio.wait((entering, held), return_when=asyncio.FIRST_COMPLETED)
    assert entered.is_set(), held.result().text
    return held, release


async def test_the_excess_is_answered_503_at_once_and_served_after_release(http: httpx.AsyncClient) -> None:
    # given: a collection, and a request that stays in flight (the provider waits for the test)
    held, release = await _hold_a_session(http)

    # when: more requests arrive while it runs (max-in-flight 1)
    query = await http.post("/graphql", json={"query": COUNT})
    mutation = await http.post("/graphql", json={"query": CREATE})
    webhook = await http.post(WEBHOOK_PATH, json={"id": "evt_at_capacity"})
    health = await http.get("/health")

    # then: each is answered 503 with Retry-After, without waiting for the held one; /health is not bounded
    assert not held.done()
    _assert_at_capacity(query, query.json()["errors"][0]["extensions"])
    _assert_at_capacity(mutation, mutation.json()["errors"][0]["extensions"])
    _assert_at_capacity(webhook, webhook.json())
    assert health.status_code == 200

    # when: the held request ends; then: it succeeded, and the same requests are served again
    release.set()
    session = await held
    assert session.status_code == 200, session.text
    assert session.json()["data"]["createPaymentSession"]["providerId"] == PROVIDER_ID
    assert (await http.post("/graphql", json={"query": CREATE})).status_code == 200
    counted = await http.post("/graphql", json={"query": COUNT})
    assert counted.json() == {"data": {"paymentCollections": {"count": 2}}}  # the refused one wrote nothing
    delivered = await http.post(WEBHOOK_PATH, json={"id": "evt_at_capacity"})
    assert delivered.status_code == 200, delivered.text
    assert delivered.json()["duplicate"] is False


CUSTOMER = 'mutation { createCustomer(input: {email: "a@b.co"}) { id } }'
HOLDER = """
mutation($customer: ID!, $provider: ID!) {
  createAccountHolder(customerId: $customer, providerId: $provider) { id }
}
"""
METHODS = "{ accountHolders { items { id paymentMethods { id } } } }"


@pytest.fixture
async def reads_bounded(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("PAYMENTGRAPH_CONFIG", str(write_config(tmp_path)))
    settings = Settings(
        database_url=database_url, admin_tokens=ADMIN_TOKEN, worker=False, max_reads_in_flight=1
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=ADMIN
        ) as client:
            yield client
    HeldProvider.entered = HeldProvider.release = None


async def test_queries_have_a_bound_of_their_own_that_mutations_do_not_share(
    reads_bounded: httpx.AsyncClient,
) -> None:
    http = reads_bounded
    # given: an account holder on the held provider, and a query reading its payment methods held in flight
    customer = await http.post(
        "/graphql", json={"query": 'mutation { createCustomer(input: {email: "a@b.co"}) { id } }'}
    )
    customer_id = customer.json()["data"]["createCustomer"]["id"]
    holder = await http.post(
        "/graphql", json={"query": HOLDER, "variables": {"customer": customer_id, "provider": PROVIDER_ID}}
    )
    assert "errors" not in holder.json(), holder.text
    entered, release = HeldProvider.hold()
    held = asyncio.create_task(http.post("/graphql", json={"query": METHODS}))
    entering = asyncio.create_task(entered.wait())
    await asyncio.wait((entering, held), return_when=asyncio.FIRST_COMPLETED)
    assert entered.is_set(), held.result().text
    HeldProvider.entered = HeldProvider.release = None  # nothing else is held

    # when: another query and a mutation arrive (max reads in flight 1, the general bound unset)
    query = await http.post("/graphql", json={"query": COUNT})
    mutation = await http.post("/graphql", json={"query": CREATE})

    # then: the query is answered 503 at once; the mutation runs
    assert not held.done()
    _assert_at_capacity(query, query.json()["errors"][0]["extensions"])
    assert mutation.status_code == 200, mutation.text
    assert "errors" not in mutation.json(), mutation.text

    # when: the held query ends; then: it succeeded, and queries are served again
    release.set()
    methods = await held
    assert methods.status_code == 200, methods.text
    assert "errors" not in methods.json(), methods.text
    counted = await http.post("/graphql", json={"query": COUNT})
    assert counted.json() == {"data": {"paymentCollections": {"count": 1}}}


async def test_a_worker_at_capacity_answers_without_reading_the_body(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    # given: the one request the worker runs at once, held in flight
    held, release = await _hold_a_session(http)

    # when: another POST arrives whose body the server must not need (reading it fails the test)
    async def receive() -> dict[str, Any]:
        raise AssertionError("the body was read")

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"content-type", b"application/json"), (b"content-length", b"1000000")]
    await app(_http_scope(app, "/graphql", headers), receive, send)

    # then: 503 with Retry-After and SERVICE_UNAVAILABLE, from the headers alone
    start, body = sent
    assert start["status"] == 503
    assert (b"retry-after", b"1") in start["headers"]
    error = httpx.Response(503, content=body["body"]).json()["errors"][0]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    release.set()
    assert (await held).status_code == 200


async def test_refusals_carry_the_cors_headers_once_each(http: httpx.AsyncClient) -> None:
    # given: a request held in flight
    held, release = await _hold_a_session(http)

    # when: two requests from an allowed origin are refused (the refusal's encoded headers are reused)
    origin = {"Origin": "https://shop.example"}
    first = await http.post("/graphql", json={"query": COUNT}, headers=origin)
    second = await http.post("/graphql", json={"query": COUNT}, headers=origin)

    # then: each carries the CORS header once, so a page can read the 503 and its Retry-After
    for refused in (first, second):
        assert refused.status_code == 503
        assert refused.headers.get_list("access-control-allow-origin") == ["https://shop.example"]
    release.set()
    assert (await held).status_code == 200


def test_retry_after_asks_a_few_clients_back_per_second() -> None:
    # given: three clients a second may be asked back, on a clock the test moves
    now = [100.2]
    spread = RetrySpread(per_second=3, longest=LONGEST_RETRY_AFTER, clock=lambda: now[0])

    # when: a burst larger than the four seconds can take is refused, then one more client a second later
    burst = [spread.seconds() for _ in range(3 * LONGEST_RETRY_AFTER + 1)]
    now[0] += 1.0
    later = spread.seconds()
    now[0] += LONGEST_RETRY_AFTER
    after_the_burst = spread.seconds()

    # then: three per second, the excess in the least asked-for second; a later client after the ones due
    assert burst == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 1]
    assert later == LONGEST_RETRY_AFTER
    assert after_the_burst == 1


def _http_scope(app: Starlette, path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "app": app,
    }
