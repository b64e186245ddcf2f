"""GraphiQL in a real browser: headless Chromium opens /graphql, runs a query and shows the result."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cdp import chromium_page

pytestmark = pytest.mark.browser

TOKEN = "browser-admin"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[str]:
    """``paymentgraph serve`` (uvicorn) on a free loopback port over the test database."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYMENTGRAPH_")}
    env.update(PAYMENTGRAPH_DATABASE_URL=database_url, PAYMENTGRAPH_ADMIN_TOKENS=TOKEN)
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "paymentgraph.cli", "serve", "--no-migrate", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start: {(tmp_path / 'server.log').read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _store_cart(base: str) -> str:
    admin = {"Authorization": f"Bearer {TOKEN}"}
    region = httpx.post(
        f"{base}/graphql",
        json={"query": 'mutation { createRegion(input: {name: "Browserland", currencyCode: "EUR"}) { id } }'},
        headers=admin,
    ).json()["data"]["createRegion"]["id"]
    cart = httpx.post(
        f"{base}/graphql",
        json={
            "query": "mutation($r: ID!) { createCart(input: {regionId: $r, items: "
            '[{title: "Lamp", quantity: 3, unitPrice: "19.99"}]}) { id } }',
            "variables": {"r": region},
        },
    ).json()["data"]["createCart"]["id"]
    return str(cart)


async def test_graphiql_runs_a_query_in_headless_chromium(server: str, tmp_path: Path) -> None:
    cart_id = _store_cart(server)
    query = f'{{ cart(id: "{cart_id}") {{ id total currencyCode region {{ name }} }} }}'
    async with chromium_page(tmp_path / "chromium") as page:
        await page.send("Page.enable")
        await page.send("Page.navigate", url=f"{server}/graphql")
        # GraphiQL rendered (its assets were served by the app itself: no network beyond loopback).
        await page.wait_for("!!document.querySelector('.graphiql-execute-button')")
        editor = "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
        await page.evaluate(f"{editor}.setValue({json.dumps(query)}), true")
        # GraphiQL takes the editor's text into its state after a debounce, then stores it: wait for that.
        await page.wait_for(f"localStorage.getItem('graphiql:query') === {json.dumps(query)}")
        await page.evaluate("document.querySelector('.graphiql-execute-button').click(), true")
        result = "document.querySelector('.result-window .CodeMirror').CodeMirror.getValue()"
        shown = await page.wait_for(
            f"(() => {{ const v = {result}; return v.includes('Browserland') && v; }})()",
            show=f"[{result}, document.body.innerText.slice(0, 2000)]",
        )
    assert json.loads(shown) == {
        "data": {
            "cart": {
                "id": cart_id,
                "total": "59.97",
                "currencyCode": "eur",
                "region": {"name": "Browserland"},
            }
        }
    }
