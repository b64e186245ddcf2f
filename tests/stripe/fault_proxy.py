"""A fault-injecting HTTP proxy between the Stripe provider and localstripe, served on 127.0.0.1.

It forwards every request to localstripe and can lose the answer on demand, after localstripe acted:
``lose_answers(path_regex)`` closes the connection without a response (what a dropped connection or a
proxy timeout looks like to stripe-python: an APIConnectionError), ``hang_answers`` holds the answer
until the client gives up (a read timeout). ``heal()`` stops both.

localstripe does not honour ``Idempotency-Key``, so the proxy does what Stripe does: the first answer to
a POST with a key is stored and replayed for every later request with that key (without asking
localstripe again), and the same key with other parameters is refused with ``idempotency_error``.
``forwarded`` lists what reached localstripe, so a test can show nothing was done twice.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

import httpx
from aiohttp import web

_FORWARDED_HEADERS = ("authorization", "content-type", "idempotency-key", "stripe-version", "stripe-account")


@dataclass
class Stored:
    fingerprint: str
    status: int
    body: bytes
    content_type: str


@dataclass
class FaultProxy:
    upstream: str
    forwarded: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, key
    replies: dict[str, Stored] = field(default_factory=dict)
    lost: list[tuple[str, str]] = field(default_factory=list)  # (method, path) whose answer was lost
    _lose: re.Pattern[str] | None = None
    _hang: re.Pattern[str] | None = None

    def lose_answers(self, path_regex: str) -> None:
        """Forward POSTs to a matching path, then close the connection without an answer."""
        self._lose = re.compile(path_regex)

    def hang_answers(self, path_regex: str) -> None:
        """Forward POSTs to a matching path, then hold the answer until the client gives up."""
        self._hang = re.compile(path_regex)

    def heal(self) -> None:
        self._lose = self._hang = None

    def writes(self, path_regex: str) -> list[tuple[str, str, str | None]]:
        """POSTs that reached localstripe (replays excluded) to a path matching ``path_regex``."""
        return [f for f in self.forwarded if f[0] == "POST" and re.search(path_regex, f[1])]

    async def _forward(self, client: httpx.AsyncClient, request: web.Request, body: bytes) -> Stored:
        headers = {k: v for k, v in request.headers.items() if k.lower() in _FORWARDED_HEADERS}
        key = request.headers.get("Idempotency-Key")
        self.forwarded.append((request.method, request.path, key))
        response = await client.request(
            request.method, request.path_qs, content=body or None, headers=headers
        )
        return Stored(
            f"{request.method} {request.path} {body!r}",
            response.status_code,
            response.content,
            response.headers.get("content-type", "application/json").split(";")[0],
        )

    def app(self, client: httpx.AsyncClient) -> web.Application:
        async def handle(request: web.Request) -> web.StreamResponse:
            body = await request.read()
            key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
            stored = self.replies.get(key) if key else None
            if stored is not None and stored.fingerprint != f"{request.method} {request.path} {body!r}":
                return web.json_response(
                    {
                        "error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with.",
                        }
                    },
                    status=400,
                )
            if stored is None:
                stored = await self._forward(client, request, body)
                if key:
                    self.replies[key] = stored
            if request.method == "POST":
                if self._lose is not None and self._lose.search(request.path):
                    self.lost.append((request.method, request.path))
                    assert request.transport is not None
                    request.transport.close()  # localstripe acted; the answer never arrives
                    raise web.HTTPServiceUnavailable()
                if self._hang is not None and self._hang.search(request.path):
                    self.lost.append((request.method, request.path))
                    await asyncio.sleep(3600)  # cancelled when the client closes the connection
            return web.Response(status=stored.status, body=stored.body, content_type=stored.content_type)

        application = web.Application()
        application.router.add_route("*", "/{tail:.*}", handle)
        return application
