"""The ``paymentgraph`` command: serve with no configuration, migrate, seed --demo, schema."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from paymentgraph.cli import main
from paymentgraph.config import Settings
from paymentgraph.connection import PaymentGraph
from paymentgraph.schema import create_schema
from paymentgraph.schema.build import sdl
from paymentgraph.schema.context import Context


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command() -> list[str]:
    script = Path(sys.executable).with_name("paymentgraph")
    return [str(script)] if script.exists() else [sys.executable, "-m", "paymentgraph.cli"]


def _clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PAYMENTGRAPH_")}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``paymentgraph serve`` in an empty directory with no configuration, on a free loopback port."""
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [*_command(), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=_clean_environment(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                output = (tmp_path / "serve.log").read_text()
                pytest.fail(f"paymentgraph serve exited with {process.returncode}: {output}")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"paymentgraph serve did not answer in 60 s: {(tmp_path / 'serve.log').read_text()}"
                )
            time.sleep(0.2)
        yield base, tmp_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_serve_with_no_configuration_answers_health_queries_and_graphiql(served: tuple[str, Path]) -> None:
    base, directory = served
    assert httpx.get(f"{base}/health").json() == {"status": "ok", "database": "ok"}
    # The embedded default: SQLite in the working directory, migrated on start.
    assert (directory / "paymentgraph.db").exists()
    response = httpx.post(f"{base}/graphql", json={"query": '{ cart(id: "cart_none") { id total } }'})
    assert response.json() == {"data": {"cart": None}}
    # No admin token is configured, so admin fields are refused rather than open.
    refused = httpx.post(f"{base}/graphql", json={"query": "{ regions { count } }"}).json()
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    page = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "GraphiQL" in page.text


def test_migrate_creates_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("PAYMENTGRAPH_DATABASE_URL", url)
    assert main(["migrate", "--database-url", url]) == 0
    assert (tmp_path / "fresh.db").stat().st_size > 0


def test_schema_writes_the_served_sdl(tmp_path: Path) -> None:
    output = tmp_path / "schema.graphql"
    assert main(["schema", "--output", str(output)]) == 0
    assert output.read_text() == sdl(create_schema())
    assert (
        "createCartPaymentCollectionLink(cartId: ID!, paymentCollectionId: ID!): Boolean!"
        in output.read_text()
    )


async def _collections(url: str) -> list[dict[str, object]]:
    async with PaymentGraph.connect(settings=Settings(database_url=url)) as pg:
        schema = create_schema(pg.registry, pg.settings)
        result = await schema.execute(
            "{ paymentCollections(take: 100) { count items { status metadata capturedAmount refundedAmount"
            " cart { id } payments { canceledAt } } } regions { count } }",
            context_value=Context(pg=pg),
        )
    assert result.errors is None, result.errors
    assert result.data is not None
    assert result.data["regions"]["count"] == 3
    return result.data["paymentCollections"]["items"]  # type: ignore[no-any-return]


def test_seed_demo_fills_every_payment_state(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYMENTGRAPH_DATABASE_URL", database_url)
    assert main(["seed", "--demo", "--no-migrate", "--database-url", database_url]) == 0
    items = asyncio.run(_collections(database_url))
    states = {item["metadata"]["demo_state"] for item in items}  # type: ignore[index]
    assert states == {
        "not_paid",
        "awaiting",
        "authorized",
        "partially_captured",
        "completed",
        "refunded",
        "canceled",
    }
    assert all(item["cart"] is not None for item in items)
    by_state = {item["metadata"]["demo_state"]: item for item in items}  # type: ignore[index]
    assert by_state["not_paid"]["status"] == "NOT_PAID"
    assert by_state["authorized"]["status"] == "AUTHORIZED"
    assert by_state["partially_captured"]["status"] == "PARTIALLY_CAPTURED"
    assert by_state["completed"]["status"] == "COMPLETED"
    assert by_state["refunded"]["refundedAmount"] == by_state["refunded"]["capturedAmount"] != "0"
    assert by_state["canceled"]["payments"][0]["canceledAt"] is not None  # type: ignore[index]
