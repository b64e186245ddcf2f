"""GraphQL subscriptions over WebSocket at ``/graphql`` (protocol ``graphql-transport-ws``).

Strawberry's ASGI view and protocol handler run the connection; HTTP at ``/graphql`` stays the
hand-rolled endpoint (http/graphql.py): Starlette routes a WebSocket handshake here and everything
else there. What is ours:

- **Who is asking.** The ``connection_init`` payload carries ``{"authorization": "Bearer <token>"}``
  and the identity service decides the principal exactly as for an HTTP ``Authorization`` header (no
  token: a guest). A token that is not valid (unknown, revoked, expired, not a string) closes the
  connection with **4403 Forbidden**, the protocol's code for a refused ``connection_init``. Each
  operation is then checked like an HTTP request (reach, limits, validation) and refused with a
  protocol ``error`` message carrying ``extensions.code``. The token is checked again every
  ``PAYMENTGRAPH_WS_CREDENTIAL_CHECK_SECONDS`` (30) while the connection is open: once it is revoked,
  logged out or expired, the connection is closed with **4403** too, so a revoked admin key stops
  receiving events within that time instead of for as long as its socket lives.
- **Keep-alive.** The server sends a protocol ``ping`` every ``PAYMENTGRAPH_WS_PING_SECONDS`` (15; 0
  turns it off), so idle connections survive proxies; clients' pings get a ``pong``. uvicorn's
  WebSocket-level pings drop peers that vanished without closing.
- **Slow clients.** Each subscription's messages wait in a bounded queue
  (``PAYMENTGRAPH_SUBSCRIPTION_QUEUE_SIZE``, 64). A client that lets it fill is disconnected with
  **1013 Try Again Later** (:data:`SLOW_CLIENT_CLOSE_CODE`) rather than buffered without bound; it may
  reconnect and subscribe again (the first message is the current state).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.types.unset import UNSET, UnsetType

from paymentgraph.schema.context import Context

if TYPE_CHECKING:
    import strawberry

    from paymentgraph.config import Settings
    from paymentgraph.connection import PaymentGraph
    from paymentgraph.schema.live import LiveUpdates

logger = logging.getLogger("paymentgraph.http")

SLOW_CLIENT_CLOSE_CODE = 1013
# The protocol's own deadline for connection_init after the handshake (closed with 4408).
CONNECTION_INIT_SECONDS = 10


@dataclass
class SubscriptionContext(Context):
    """``info.context`` of an operation sent over a WebSocket (one per connection)."""

    connection_params: dict[str, Any] | None = None
    authorization: str | None = None  # as the connection_init payload gave it, checked again later
    live: LiveUpdates | None = None
    on_overflow: Callable[[], None] = field(default=lambda: None)


class TransportHandler(BaseGraphQLTransportWSHandler[SubscriptionContext, None]):
    """Strawberry's graphql-transport-ws handler, plus server pings once the connection is acknowledged."""

    _pinger: asyncio.Task[None] | None = None
    _credential_check: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if not self.connection_acknowledged:
            return
        seconds = getattr(self.view, "ping_seconds", 0)
        if seconds > 0 and self._pinger is None:
            self._pinger = asyncio.create_task(self._ping(seconds), name="paymentgraph-ws-ping")
        check = getattr(self.view, "credential_check_seconds", 0)
        if check > 0 and self.context.authorization is not None and self._credential_check is None:
            self._credential_check = asyncio.create_task(
                self._check_credential(check), name="paymentgraph-ws-credential"
            )

    async def _check_credential(self, seconds: float) -> None:
        """Close with 4403 once the connection's token stops being valid (revoked, logged out, expired)."""
        identity = self.view.pg.identity  # type: ignore[attr-defined]
        while True:
            await asyncio.sleep(seconds)
            try:
                principal = await identity.authenticate(self.context.authorization)
            except Exception:  # the database is away: keep the connection, check again next time
                logger.warning("could not check a WebSocket connection's credential", exc_info=True)
                continue
            if principal.refusal is not None:
                with contextlib.suppress(Exception):
                    await self.websocket.close(4403, "Forbidden: the credential is no longer valid")
                return

    async def _ping(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.send_message({"type": "ping"})
            except Exception:  # the socket is gone; shutdown() follows
                return

    async def shutdown(self) -> None:
        for task in (self._pinger, self._credential_check):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await super().shutdown()


class SubscriptionView(GraphQL[SubscriptionContext, None]):
    """Strawberry's ASGI view, for WebSocket connections only."""

    graphql_transport_ws_handler_class = TransportHandler

    def __init__(
        self, schema: strawberry.Schema, pg: PaymentGraph, live: LiveUpdates, settings: Settings
    ) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=CONNECTION_INIT_SECONDS),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            # Pages on the origins allowed to call the API (CORS) may also open its WebSocket.
            allowed_origins=settings.cors_origin_list,
        )
        self.pg = pg
        self.live = live
        self.ping_seconds = settings.ws_ping_seconds
        self.credential_check_seconds = settings.ws_credential_check_seconds
        self._closing: set[asyncio.Task[None]] = set()

    def encode_json(self, data: object) -> str:
        # orjson (as over HTTP), decoded: graphql-transport-ws messages are text frames.
        return orjson.dumps(data, default=_plain).decode()

    async def get_context(self, request: Any, response: Any) -> SubscriptionContext:
        context = SubscriptionContext(pg=self.pg, request=request, live=self.live)
        context.on_overflow = lambda: self._drop_slow_client(response)
        return context

    async def on_ws_connect(self, context: SubscriptionContext) -> UnsetType | dict[str, object] | None:
        params = context.connection_params or {}
        authorization = params.get("authorization", params.get("Authorization"))
        if authorization is not None and not isinstance(authorization, str):
            raise ConnectionRejectionError
        principal = await self.pg.identity.authenticate(authorization)
        if principal.refusal is not None:
            raise ConnectionRejectionError  # closed with 4403 Forbidden
        context.principal = principal
        context.authorization = authorization
        return UNSET

    def _drop_slow_client(self, websocket: WebSocket) -> None:
        async def close() -> None:
            with contextlib.suppress(Exception):
                await websocket.close(SLOW_CLIENT_CLOSE_CODE, "Client too slow: subscription queue full")

        logger.warning("dropping a WebSocket client that does not read its subscription messages")
        task = asyncio.create_task(close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


async def endpoint(websocket: WebSocket) -> None:
    """The WebSocket route of ``/graphql``."""
    view: SubscriptionView = websocket.app.state.subscriptions
    await view.run(websocket)
