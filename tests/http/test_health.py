"""``/health`` names each dependency's state: 200 when every configured one answers, 503 naming the one
that does not (the database's outage itself is in test_database_outage.py)."""

from __future__ import annotations

import httpx
from http_helpers import ADMIN_TOKEN
from live_server import free_port

from paymentgraph.app import create_app
from paymentgraph.config import Settings

REDIS_URL = "redis://127.0.0.1:6379/0"


async def _health(database_url: str, redis_url: str) -> httpx.Response:
    app = create_app(
        Settings(database_url=database_url, admin_tokens=ADMIN_TOKEN, redis_url=redis_url, worker=False)
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.get("/health")


async def test_redis_that_answers_is_ok(database_url: str) -> None:
    response = await _health(database_url, REDIS_URL)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


async def test_redis_that_is_down_is_named_with_503(database_url: str) -> None:
    # A loopback port nothing listens on: connects are refused at once.
    response = await _health(database_url, f"redis://127.0.0.1:{free_port()}/0")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "redis": "unavailable"}
