"""Stripe test peers: localstripe in its own process on loopback, and the in-repo HTTP fake.

localstripe (a stateful fake Stripe, GPL, never imported here) runs from ``localstripe_launch.py``
bound to 127.0.0.1 on a free port, once per test session; its data is flushed before each test.
The fake (``fake_stripe.py``) is an aiohttp app served on 127.0.0.1 in the test loop. Webhook
deliveries reach the real route handler served by uvicorn on loopback.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from fake_stripe import FakeStripeState, build_app
from stripe_peers import API_KEY, WEBHOOK_SECRET, StripeBrowser, free_port, webhook_app

from paymentgraph import PaymentGraph
from paymentgraph.config import Settings

LAUNCHER = Path(__file__).with_name("localstripe_launch.py")


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """localstripe's base URL; the process lives for the whole test session."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with log_path.open("wb") as log:
        # A file, not a pipe: nobody drains a pipe and a full one would block localstripe.
        process = subprocess.Popen([sys.executable, str(LAUNCHER), str(port)], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/v1/customers", auth=(API_KEY, "")).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            pytest.fail(f"localstripe did not start on {url}: {log_path.read_text()}")
        time.sleep(0.1)
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
async def localstripe(localstripe_url: str) -> AsyncIterator[str]:
    """localstripe with an empty store (registered webhooks survive a flush)."""
    async with httpx.AsyncClient(base_url=localstripe_url) as client:
        (await client.delete("/_config/data")).raise_for_status()
    yield localstripe_url


@pytest.fixture(scope="session")
async def fake_stripe_server() -> AsyncIterator[tuple[str, FakeStripeState]]:
    state = FakeStripeState()
    runner = web.AppRunner(build_app(state), access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", state
    await runner.cleanup()


@pytest.fixture
def fake_stripe(fake_stripe_server: tuple[str, FakeStripeState]) -> tuple[str, FakeStripeState]:
    fake_stripe_server[1].reset()
    return fake_stripe_server


def stripe_settings(database_url: str, api_base: str) -> Settings:
    return Settings(
        database_url=database_url,
        stripe_api_key=API_KEY,
        stripe_api_base=api_base,
        stripe_webhook_secret=WEBHOOK_SECRET,
    )


@pytest.fixture
async def stripe_pg(database_url: str, localstripe: str) -> AsyncIterator[PaymentGraph]:
    """A PaymentGraph whose providers come from settings (system + Stripe on localstripe)."""
    async with PaymentGraph.connect(settings=stripe_settings(database_url, localstripe)) as pg:
        await pg.sync_providers()
        yield pg


@pytest.fixture
async def fake_pg(database_url: str, fake_stripe: tuple[str, FakeStripeState]) -> AsyncIterator[PaymentGraph]:
    async with PaymentGraph.connect(settings=stripe_settings(database_url, fake_stripe[0])) as pg:
        await pg.sync_providers()
        yield pg


@pytest.fixture
async def browser(localstripe: str) -> AsyncIterator[StripeBrowser]:
    b = StripeBrowser(localstripe)
    yield b
    await b.close()


@pytest.fixture
async def hooks(stripe_pg: PaymentGraph) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the webhook route (ASGI: background tasks finish before the reply returns)."""
    transport = httpx.ASGITransport(app=webhook_app(stripe_pg))
    async with httpx.AsyncClient(transport=transport, base_url="http://paymentgraph.test") as client:
        yield client
