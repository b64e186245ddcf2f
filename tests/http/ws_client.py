"""A graphql-transport-ws client over ``websockets``, for tests against a live server (by basename)."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import websockets

PROTOCOL = "graphql-transport-ws"
# A guard against a hung server, not a speed assertion.
WAIT_SECONDS = 30.0


class Closed(Exception):
    """The server closed the connection (``code``, ``reason``)."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed with {code}: {reason}")
        self.code = code
        self.reason = reason


class Subscriptions:
    """One connection: subscribe, then read each operation's messages in the order they came."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.pending: dict[str, deque[dict[str, Any]]] = {}

    async def subscribe(self, op_id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        await self.ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))

    async def complete(self, op_id: str) -> None:
        await self.ws.send(json.dumps({"id": op_id, "type": "complete"}))

    async def receive(self, op_id: str) -> dict[str, Any]:
        """The next message of operation ``op_id`` (``next``, ``error`` or ``complete``)."""
        queued = self.pending.setdefault(op_id, deque())
        while not queued:
            message = await self._read()
            if message.get("type") == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
                continue
            if "id" in message:
                self.pending.setdefault(message["id"], deque()).append(message)
        return queued.popleft()

    async def data(self, op_id: str) -> dict[str, Any]:
        """The data of the next ``next`` message of ``op_id`` (fails on anything else)."""
        message = await self.receive(op_id)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"]  # type: ignore[no-any-return]

    async def raw(self) -> dict[str, Any]:
        """The next message of the connection, whatever it is (pings included)."""
        return await self._read()

    async def _read(self) -> dict[str, Any]:
        try:
            raw = await asyncio.wait_for(self.ws.recv(), WAIT_SECONDS)
        except websockets.ConnectionClosed as exc:
            received = exc.rcvd
            raise Closed(received.code if received else None, received.reason if received else "") from None
        return json.loads(raw)  # type: ignore[no-any-return]


def ws_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://", 1) + "/graphql"


@asynccontextmanager
async def connected(base_url: str, token: str | None = None) -> AsyncIterator[Subscriptions]:
    """A connection acknowledged by the server (``token``: the init payload's bearer token)."""
    async with websockets.connect(ws_url(base_url), subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        payload = {"authorization": f"Bearer {token}"} if token else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        client = Subscriptions(ws)
        ack = await client._read()
        assert ack["type"] == "connection_ack", ack
        yield client


async def refused_at_init(base_url: str, authorization: object) -> Closed:
    """How the server closes a connection whose init payload carries ``authorization``."""
    async with websockets.connect(ws_url(base_url), subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": authorization}}))
        try:
            message = await Subscriptions(ws)._read()
        except Closed as closed:
            return closed
        raise AssertionError(f"the server answered {message}")
