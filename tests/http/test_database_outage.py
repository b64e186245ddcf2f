"""The database going away mid-service: requests are answered 503 SERVICE_UNAVAILABLE with Retry-After
(queries, mutations and provider webhooks), /health names it, nothing is half-written, and the app
recovers by itself once the database is back.

PostgreSQL goes away behind a TCP proxy of the test (:mod:`tcp_proxy`), never the shared server. SQLite
goes away as its file does when a volume is unmounted: the directory is moved and the pool's open
connections are closed, so the next connect finds no database file.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from held_provider import WEBHOOK_PATH, write_config
from http_helpers import ADMIN, ADMIN_TOKEN
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from tcp_proxy import TcpProxy

from paymentgraph.app import create_app
from paymentgraph.config import Settings

CREATE = 'mutation { createPaymentCollection(input: {currencyCode: "usd", amount: "10"}) { id } }'
COUNT = "{ paymentCollections { count } }"


@dataclass
class Outage:
    """Takes the app's database away and brings it back."""

    proxy: TcpProxy | None = None
    sqlite_dir: Path | None = None
    app: Starlette | None = None

    async def cut(self) -> None:
        if self.proxy is not None:
            await self.proxy.cut()
            return
        assert self.sqlite_dir is not None and self.app is not None
        self.sqlite_dir.rename(self.sqlite_dir.with_name("away"))
        await self.app.state.pg.engine.dispose()

    async def restore(self) -> None:
        if self.proxy is not None:
            await self.proxy.restore()
            return
        assert self.sqlite_dir is not None
        self.sqlite_dir.with_name("away").rename(self.sqlite_dir)


@pytest.fixture
async def outage(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[str, Outage]]:
    """The URL the app should use, and the outage that takes it away."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        directory = tmp_path / "volume"
        directory.mkdir()
        assert url.database is not None
        shutil.move(url.database, directory / "test.db")
        yield str(url.set(database=str(directory / "test.db"))), Outage(sqlite_dir=directory)
        return
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    try:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        yield proxied, Outage(proxy=proxy)
    finally:
        await proxy.close()


@pytest.fixture
async def app_and_outage(
    outage: tuple[str, Outage], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Starlette, Outage]]:
    url, taken_away = outage
    monkeypatch.setenv("PAYMENTGRAPH_CONFIG", str(write_config(tmp_path)))
    # No background worker: only the requests of the test use the database.
    application = create_app(Settings(database_url=url, admin_tokens=ADMIN_TOKEN, worker=False))
    async with application.router.lifespan_context(application):
        taken_away.app = application
        yield application, taken_away


@pytest.fixture
async def http(app_and_outage: tuple[Starlette, Outage]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_and_outage[0])
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=ADMIN) as client:
        yield client


async def _graphql(http: httpx.AsyncClient, query: str) -> httpx.Response:
    return await http.post("/graphql", json={"query": query})


def _assert_unavailable(response: httpx.Response, body_code: str | None) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    assert body_code == "SERVICE_UNAVAILABLE", response.text


def _graphql_code(response: httpx.Response) -> str | None:
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    assert errors[0]["extensions"]["retryable"] is True
    code: str | None = errors[0]["extensions"]["code"]
    return code


async def _collections(http: httpx.AsyncClient) -> int:
    response = await _graphql(http, COUNT)
    assert response.status_code == 200, response.text
    count: int = response.json()["data"]["paymentCollections"]["count"]
    return count


async def test_an_outage_is_answered_503_and_the_app_recovers_by_itself(
    app_and_outage: tuple[Starlette, Outage], http: httpx.AsyncClient
) -> None:
    _, outage = app_and_outage
    # given: a working app with one collection (its pool holds open connections)
    assert (await _graphql(http, CREATE)).status_code == 200
    assert await _collections(http) == 1

    # when: the database goes away
    await outage.cut()

    # then: a query, a mutation and a provider's webhook are answered 503, retryable, with Retry-After
    query = await _graphql(http, COUNT)
    _assert_unavailable(query, _graphql_code(query))
    mutation = await _graphql(http, CREATE)
    _assert_unavailable(mutation, _graphql_code(mutation))
    webhook = await http.post(WEBHOOK_PATH, json={"id": "evt_during_outage"})
    _assert_unavailable(webhook, webhook.json()["code"])
    assert webhook.json()["retryable"] is True
    health = await http.get("/health")
    assert health.status_code == 503
    assert health.json() == {"status": "unavailable", "database": "unavailable", "redis": "not configured"}

    # when: the database is back; then: the same app answers at once, with no restart
    await outage.restore()
    assert (await http.get("/health")).status_code == 200
    assert (await _graphql(http, CREATE)).status_code == 200
    redelivered = await http.post(WEBHOOK_PATH, json={"id": "evt_during_outage"})
    assert redelivered.status_code == 200, redelivered.text
    assert redelivered.json()["duplicate"] is False  # the delivery answered 503 was not stored
    # and nothing of the refused mutation was written
    assert await _collections(http) == 2


async def test_a_refused_mutation_runs_when_retried_with_its_idempotency_key(
    app_and_outage: tuple[Starlette, Outage], http: httpx.AsyncClient
) -> None:
    _, outage = app_and_outage
    keyed = {"Idempotency-Key": "outage-retry-1"}
    # given: the database is away when the keyed mutation arrives
    await outage.cut()
    refused = await http.post("/graphql", json={"query": CREATE}, headers=keyed)
    _assert_unavailable(refused, _graphql_code(refused))

    # when: it is retried with the same key once the database is back
    await outage.restore()
    retried = await http.post("/graphql", json={"query": CREATE}, headers=keyed)

    # then: it runs (the 503 was never the key's answer), once
    assert retried.status_code == 200, retried.text
    assert "Idempotent-Replayed" not in retried.headers
    replayed = await http.post("/graphql", json={"query": CREATE}, headers=keyed)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert await _collections(http) == 1


# A mutation that still commits a transaction on PostgreSQL (the payment steps are single autocommit
# statements there: a statement that never arrives has nothing to roll back).
REASON = 'mutation { createRefundReason(input: {label: "Lost", code: "lost_commit"}) { id } }'
REASONS = '{ refundReasons(filter: {code: {eq: "lost_commit"}}) { count } }'


# PostgreSQL only: SQLite has no connection that could be lost between a statement and its COMMIT.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_connection_lost_before_commit_writes_nothing(database_url: str) -> None:
    """The proxy drops the connection as a mutation's COMMIT is on its way, after the INSERT it would
    commit reached the server inside the transaction."""
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    application = create_app(Settings(database_url=proxied, admin_tokens=ADMIN_TOKEN, worker=False))
    try:
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver", headers=ADMIN
            ) as http:
                assert (await _graphql(http, REASONS)).json()["data"]["refundReasons"]["count"] == 0

                # when: the COMMIT of the transaction that inserted the reason never reaches the server
                proxy.cut_when_client_sends(b"COMMIT", after=b"INSERT INTO refund_reason")
                mutation = await http.post("/graphql", json={"query": REASON})
                assert proxy.cut_done.is_set(), mutation.text

                # then: 503, retryable; and once the database is back, the transaction had rolled back
                _assert_unavailable(mutation, _graphql_code(mutation))
                await proxy.restore()
                counted = await http.post("/graphql", json={"query": REASONS})
                assert counted.json() == {"data": {"refundReasons": {"count": 0}}}
                retried = await http.post("/graphql", json={"query": REASON})
                assert "errors" not in retried.json(), retried.text
    finally:
        await proxy.close()
