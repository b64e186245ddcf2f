"""A TCP forwarder on loopback that a test can cut and restore: the database going away for one app only.

The app under test connects to the proxy instead of PostgreSQL, so cutting it looks like a restart or
a network failure to the app (open connections dropped, new ones refused) while the shared server, which
other tests and processes use, never notices. Importable by basename: tests/http is on sys.path.
"""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    """Forwards 127.0.0.1:<port> to ``target``; :meth:`cut` drops every connection and refuses new ones."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._cut_on: tuple[bytes, bytes] | None = None
        self.cut_done = asyncio.Event()

    async def start(self) -> None:
        """Listen (again, on the same port after a cut)."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Stop listening (connects are refused) and drop every open connection at once."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        self.cut_done.set()

    async def restore(self) -> None:
        self._cut_on = None
        self.cut_done.clear()
        await self.start()

    def cut_when_client_sends(self, marker: bytes, *, after: bytes) -> None:
        """Cut (without forwarding it) the moment a client sends bytes containing ``marker`` on a connection
        that sent ``after`` earlier (``COMMIT`` after the ``INSERT`` it would commit)."""
        self._cut_on = (marker, after)

    async def close(self) -> None:
        await self.cut()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.update((client_writer, server_writer))
        for task in (
            asyncio.create_task(self._pipe(client_reader, server_writer, inspect=True)),
            asyncio.create_task(self._pipe(server_reader, client_writer, inspect=False)),
        ):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, inspect: bool
    ) -> None:
        sent_after = False
        try:
            while chunk := await reader.read(65536):
                if inspect and self._cut_on is not None:
                    marker, after = self._cut_on
                    if sent_after and marker in chunk:
                        await self.cut()
                        return
                    sent_after = sent_after or after in chunk
                writer.write(chunk)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.transport.abort()
            self._writers.discard(writer)
