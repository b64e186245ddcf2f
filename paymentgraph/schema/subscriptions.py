"""The ``Subscription`` root: ``paymentCollectionUpdated(id)`` (store) and ``events(names)`` (admin).

Served over WebSocket (http/subscriptions.py); who may subscribe to what is declared here beside each
field and checked on the operation before it runs, as for queries (schema/auth.py, schema/reach.py).
Which collection a guest or customer may watch is the rule their mutations on it follow
(:func:`~paymentgraph.schema.selection.require_reachable`): a guest cart's collection by its id, a
customer's own; the admin any. A collection the subscriber cannot see is NOT_FOUND, and nothing is
streamed.

The stream (:class:`LiveStream`) reads the subscriber's bounded queue that
:class:`~paymentgraph.schema.live.LiveUpdates` fills; the subscriber's own selection shapes the rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo
from strawberry.annotation import StrawberryAnnotation
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField
from strawberry.types.unset import UNSET

from paymentgraph.db.reach import ADMIN_ONLY, EVERYONE
from paymentgraph.errors import NotFound, not_found
from paymentgraph.query.selection import Request, Selection
from paymentgraph.schema.context import principal_of
from paymentgraph.schema.live import END, LiveUpdates, Watch
from paymentgraph.schema.reach import RootReach
from paymentgraph.schema.selection import read_on_behalf, require_reachable, selection_for, type_registry
from paymentgraph.schema.types import Namespace

SubscribeFn = Callable[..., Coroutine[Any, Any, Any]]
COLLECTION = "payment_collection"
# A guest's or customer's collection is theirs through its cart, or through its order once placed.
_REACHED_THROUGH = ("cart", "order")


class LiveStream:
    """One subscription's messages; closing it (the client completes, the socket goes) stops the watch."""

    def __init__(self, live: LiveUpdates, watch: Watch) -> None:
        self.live = live
        self.watch = watch

    def __aiter__(self) -> LiveStream:
        return self

    async def __anext__(self) -> Any:
        item = await self.watch.queue.get()
        if self.watch.overflowed:
            # The connection is being closed for a slow client: send nothing more, wait to be cancelled.
            await self.aclose()
            await asyncio.Event().wait()
        if item is END:
            await self.aclose()
            raise StopAsyncIteration
        return item

    async def aclose(self) -> None:
        self.live.forget(self.watch)


def _live(info: GraphQLResolveInfo) -> tuple[LiveUpdates, Callable[[], None]]:
    live = getattr(info.context, "live", None)
    if live is None:
        raise GraphQLError(
            "Subscriptions are served over WebSocket at /graphql (protocol graphql-transport-ws)",
            extensions={"code": "BAD_REQUEST"},
        )
    return live, info.context.on_overflow


async def _require_visible(info: GraphQLResolveInfo, id: str) -> None:
    """NOT_FOUND unless the subscriber may see collection ``id`` (see the module docstring)."""
    principal = principal_of(info.context)
    if not principal.is_admin:
        for through in _REACHED_THROUGH:
            try:
                await require_reachable(info, COLLECTION, id, through)
                return
            except NotFound:
                continue
        raise not_found("PaymentCollection", id)
    primary_key = type_registry(info).registry.entities[COLLECTION].primary_key
    request = Request(Selection(COLLECTION, {primary_key}), filters={primary_key: id})
    if not (await info.context.pg.query.run(read_on_behalf(request, principal)))["data"]:
        raise not_found("PaymentCollection", id)


async def subscribe_payment_collection(_root: Any, info: GraphQLResolveInfo, id: str) -> LiveStream:
    live, on_overflow = _live(info)
    await _require_visible(info, id)
    selection = selection_for(info, "PaymentCollection")
    return LiveStream(live, live.watch_collection(id, selection, principal_of(info.context), on_overflow))


async def subscribe_events(
    _root: Any, info: GraphQLResolveInfo, names: list[str] | None = None
) -> LiveStream:
    live, on_overflow = _live(info)
    return LiveStream(live, live.watch_events(frozenset(names) if names else None, on_overflow))


def pass_through(value: Any, _info: GraphQLResolveInfo, **_args: Any) -> Any:
    """A subscription field's value is what its stream yielded (already shaped by the selection)."""
    return value


def subscription_type(ns: Namespace) -> tuple[type, dict[str, SubscribeFn], dict[str, RootReach]]:
    """The Subscription type, each field's subscribe function (installed after the build), its reach."""
    collection = StrawberryField(
        python_name="payment_collection_updated",
        graphql_name="paymentCollectionUpdated",
        type_annotation=ns.annotation("PaymentCollection"),
        is_subscription=True,
        description=(
            "The collection as it is now, then after every change (changes committed together may "
            "arrive as one update). Store: a guest cart's collection by id, a customer's own."
        ),
    )
    collection.arguments = [StrawberryArgument("id", "id", ns.annotation("ID"))]
    events = StrawberryField(
        python_name="events",
        graphql_name="events",
        type_annotation=ns.annotation("Event"),
        is_subscription=True,
        description="Events as they are committed, in commit order (admin); names: only these.",
    )
    events.arguments = [
        StrawberryArgument("names", "names", StrawberryAnnotation(list[str] | None), default=UNSET)
    ]
    subscribers: dict[str, SubscribeFn] = {
        "paymentCollectionUpdated": subscribe_payment_collection,
        "events": subscribe_events,
    }
    reach = {"paymentCollectionUpdated": RootReach(EVERYONE), "events": RootReach(ADMIN_ONLY)}
    return ns.create("Subscription", [collection, events]), subscribers, reach
