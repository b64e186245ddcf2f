"""A small GraphQL-over-HTTP client for the HTTP tests (importable by basename: tests/http is on sys.path)."""

from __future__ import annotations

from typing import Any

import httpx

ADMIN_TOKEN = "test-admin"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


class GraphQL:
    """Posts GraphQL operations; ``admin`` sends the admin token."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, *, admin: bool = True, **kwargs: Any
    ) -> dict[str, Any]:
        headers = dict(ADMIN) if admin else {}
        headers.update(kwargs.pop("headers", {}))
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """The ``data`` of a request that must succeed."""
        body = await self.post(query, variables, **kwargs)
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]

    async def error(
        self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """The single error of a request that must fail."""
        body = await self.post(query, variables, **kwargs)
        assert body.get("errors"), body
        assert len(body["errors"]) == 1, body["errors"]
        return body["errors"][0]  # type: ignore[no-any-return]
