"""HTTP test fixtures: the real app (lifespan included) behind an httpx client, on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from http_helpers import ADMIN_TOKEN, GraphQL
from starlette.applications import Starlette

from paymentgraph.app import create_app
from paymentgraph.config import Settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, admin_tokens=ADMIN_TOKEN)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    """The application with its lifespan running (connected to the migrated test database)."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQL:
    return GraphQL(client)
