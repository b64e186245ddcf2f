"""A merchant's webhook receiver on loopback for the tests: a real socket, a minimal HTTP/1.1 server that
records each request and answers with the next status it was told to (200 once they run out).
Importable by basename: tests/http is on sys.path."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    answered: int


class Receiver:
    """``hold``: requests wait for it to be set before they are answered (a slow receiver, without a
    clock); ``most_open`` is the most requests it held at once."""

    def __init__(self, statuses: Iterable[int] = (), *, hold: asyncio.Event | None = None) -> None:
        self.statuses = list(statuses)
        self.hold = hold
        self.open = 0
        self.most_open = 0
        self.requests: list[Received] = []
        self.url = ""
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Receiver:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/hooks/paymentgraph"
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *lines = head.strip().split("\r\n")
            headers = {}
            for line in lines:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            status = self.statuses.pop(0) if self.statuses else 200
            self.requests.append(Received(request_line.split(" ")[1], headers, body, status))
            if self.hold is not None:
                self.open += 1
                self.most_open = max(self.most_open, self.open)
                try:
                    await self.hold.wait()
                finally:
                    self.open -= 1
            answer = b"thanks" if status < 300 else b"receiver is down"
            head = f"HTTP/1.1 {status} Status\r\nContent-Length: {len(answer)}\r\nConnection: close\r\n\r\n"
            writer.write(head.encode() + answer)
            await writer.drain()
        finally:
            writer.close()
