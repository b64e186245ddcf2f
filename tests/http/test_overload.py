"""Load beyond what a worker runs at once is answered 503 SERVICE_UNAVAILABLE with Retry-After at once,
not queued; /health stays outside the bound; once the running request ends everything succeeds again.

A request is held in flight deterministically: the test provider's ``initiate_payment`` waits for the
test (:mod:`held_provider`), so ``createPaymentSession`` stays running until the test releases it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from held_provider import PROVIDER_ID, WEBHOOK_PATH, HeldProvider, write_config
from http_helpers import ADMIN, ADMIN_TOKEN
from starlette.applications import Starlette

from paymentgraph.app import create_app
from paymentgraph.config import Settings

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
    settings = Settings(database_url=database_url, admin_tokens=ADMIN_TOKEN, worker=False, max_in_flight=1)
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


async def test_the_excess_is_answered_503_at_once_and_served_after_release(http: httpx.AsyncClient) -> None:
    # given: a collection, and a request that stays in flight (the provider waits for the test)
    created = await http.post("/graphql", json={"query": CREATE})
    collection_id = created.json()["data"]["createPaymentCollection"]["id"]
    entered, release = HeldProvider.hold()
    variables = {"id": collection_id, "provider": PROVIDER_ID}
    held = asyncio.create_task(http.post("/graphql", json={"query": SESSION, "variables": variables}))
    entering = asyncio.create_task(entered.wait())
    await asyncio.wait((entering, held), return_when=asyncio.FIRST_COMPLETED)
    assert entered.is_set(), held.result().text

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
