"""The API in a real browser (headless Chromium): GraphiQL runs a query and keeps the admin's headers
across reloads; a shop page on another origin calls the API when that origin is configured for CORS,
and a page on any other origin is blocked by the browser."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cdp import chromium_page
from live_server import free_port, serve

pytestmark = pytest.mark.browser

TOKEN = "browser-admin"


@pytest.fixture
def shop_port() -> int:
    """The loopback port of the shop's pages: the origin the API allows for CORS."""
    return free_port()


@pytest.fixture
def server(database_url: str, tmp_path: Path, shop_port: int) -> Iterator[str]:
    """``paymentgraph serve`` (uvicorn) on a free loopback port over the test database."""
    origins = f"http://127.0.0.1:{shop_port}"
    with serve(
        database_url, tmp_path, PAYMENTGRAPH_ADMIN_TOKENS=TOKEN, PAYMENTGRAPH_CORS_ORIGINS=origins
    ) as base:
        yield base


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def _static_site(directory: Path, port: int) -> Iterator[str]:
    """A plain static file server on loopback (another origin than the API's), stopped on exit."""
    httpd = ThreadingHTTPServer(("127.0.0.1", port), partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


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


async def test_graphiql_keeps_the_admin_headers_across_reloads(server: str, tmp_path: Path) -> None:
    async with chromium_page(tmp_path / "chromium") as page:
        await page.send("Page.enable")
        await page.send("Page.navigate", url=f"{server}/graphql")
        await page.wait_for("!!document.querySelector('.graphiql-execute-button')")
        # The opening comment says where an admin key comes from.
        editor = "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
        opening = await page.wait_for(f"{editor}.getValue()")
        assert "PAYMENTGRAPH_ADMIN_TOKENS" in opening
        assert "API key" in opening
        # The admin types their header once in the Headers editor, and an admin query ...
        headers = json.dumps({"Authorization": f"Bearer {TOKEN}"})
        header_editor = "document.querySelectorAll('.graphiql-editor-tool .CodeMirror')[1].CodeMirror"
        await page.evaluate(f"{header_editor}.setValue({json.dumps(headers)}), true")
        await page.evaluate(f"{editor}.setValue({json.dumps(ADMIN_QUERY)}), true")
        # (GraphiQL stores both after a debounce: wait for that before reloading)
        await page.wait_for(f"localStorage.getItem('graphiql:query') === {json.dumps(ADMIN_QUERY)}")
        await page.wait_for(f"(localStorage.getItem('graphiql:headers') || '').includes('Bearer {TOKEN}')")
        # ... and reloads: GraphiQL still sends the header, so the admin-only field answers.
        await page.send("Page.reload")
        await page.wait_for("!!document.querySelector('.graphiql-execute-button')")
        await page.wait_for(f"{editor}.getValue() === {json.dumps(ADMIN_QUERY)}")
        await page.evaluate("document.querySelector('.graphiql-execute-button').click(), true")
        result = "document.querySelector('.result-window .CodeMirror').CodeMirror.getValue()"
        shown = await page.wait_for(
            f"(() => {{ const v = {result}; return v.includes('regions') && v; }})()",
            show=f"[{result}, document.body.innerText.slice(0, 2000)]",
        )
    assert json.loads(shown) == {"data": {"regions": {"count": 0}}}


ADMIN_QUERY = "{ regions { count } }"
SHOP_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>shop</title></head><body><script>
  window.answer = null;
  fetch(%(api)s, {
    method: "POST",
    headers: {"Content-Type": "application/json", "X-Request-Id": "from-the-shop"},
    body: JSON.stringify({query: %(query)s}),
  })
    .then(async (response) => {
      window.answer = {
        status: response.status,
        requestId: response.headers.get("X-Request-Id"),
        body: await response.json(),
      };
    })
    .catch((error) => { window.answer = {error: String(error)}; });
</script></body></html>
"""


async def test_a_page_on_a_configured_origin_calls_the_api(
    server: str, tmp_path: Path, shop_port: int
) -> None:
    cart_id = _store_cart(server)
    query = f'{{ cart(id: "{cart_id}") {{ id total }} }}'
    site = tmp_path / "site"
    site.mkdir()
    page_html = SHOP_PAGE % {"api": json.dumps(f"{server}/graphql"), "query": json.dumps(query)}
    (site / "shop.html").write_text(page_html, encoding="utf-8")
    with _static_site(site, shop_port) as shop, _static_site(site, free_port()) as elsewhere:
        async with chromium_page(tmp_path / "chromium") as page:
            await page.send("Page.enable")
            await page.send("Page.navigate", url=f"{shop}/shop.html")
            answer = await page.wait_for("window.answer", show="document.body.innerText")
            assert answer == {
                "status": 200,
                # Read by the page's code: the API exposes it to the allowed origin.
                "requestId": "from-the-shop",
                "body": {"data": {"cart": {"id": cart_id, "total": "59.97"}}},
            }
            # The same page from an origin not in PAYMENTGRAPH_CORS_ORIGINS: the browser blocks the call.
            await page.send("Page.navigate", url=f"{elsewhere}/shop.html")
            blocked = await page.wait_for("window.answer", show="document.body.innerText")
            assert set(blocked) == {"error"}
            assert "Failed to fetch" in blocked["error"]
