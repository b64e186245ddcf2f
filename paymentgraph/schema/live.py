"""Live updates behind GraphQL subscriptions: committed events from the bus into subscribers' queues.

One :class:`LiveUpdates` per served process listens to the event bus (:mod:`paymentgraph.events.bus`).

- ``events(names)`` subscribers get each committed event they asked for, in bus order; no database read.
- ``paymentCollectionUpdated(id)`` subscribers get the collection shaped by their own selection: first
  as it is when they subscribe, then after every change. Changed collections are loaded through the
  query graph, ONE request per (selection shape, reader) for all the collections changed since the
  last pass, however many subscribers share that shape (a thousand storefronts watching with the same
  document cost one statement per level). One task does the passes in order, so a subscriber's
  messages are in commit order and each shows state at least as new as the change it follows; changes
  committed while a pass runs are coalesced into the next one.

Each subscriber has a bounded queue. A subscriber whose client does not keep up (the queue is full) is
not buffered without bound: its ``on_overflow`` closes the connection (see http/subscriptions.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from paymentgraph.events.bus import CommittedEvent, EventBus
from paymentgraph.identity.principal import Principal
from paymentgraph.query.selection import Request, Selection

if TYPE_CHECKING:
    from paymentgraph.connection import PaymentGraph

logger = logging.getLogger(__name__)

END = object()  # queued when the watched collection is gone: the subscription completes
DEFAULT_QUEUE_SIZE = 64
# Query-graph loads of one pass that may run at once (each holds a pooled connection).
_CONCURRENT_LOADS = 4
_COLLECTION_PREFIX = "payment_collection."


@dataclass(eq=False)
class Watch:
    """One subscription's bounded queue."""

    queue: asyncio.Queue[Any]
    on_overflow: Callable[[], None]
    overflowed: bool = False

    def offer(self, item: Any) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.overflowed = True
            self.on_overflow()


@dataclass(eq=False)
class CollectionWatch(Watch):
    collection_id: str = ""
    selection: Selection | None = None
    owned: bool = False  # read on behalf of a guest or customer (owner: the customer, None: a guest)
    owner: str | None = None
    group: Hashable = None  # (selection shape, owned, owner): watches that share one load


@dataclass(eq=False)
class EventWatch(Watch):
    names: frozenset[str] | None = None


def selection_shape(selection: Selection) -> Hashable:
    """A hashable value equal for selections that load the same columns and children the same way."""
    children = tuple(
        sorted(
            (
                key,
                child.name,
                selection_shape(child.selection),
                repr(child.filters),
                repr(child.order),
                child.take,
                child.skip,
            )
            for key, child in selection.children.items()
        )
    )
    return (selection.entity, tuple(sorted(selection.columns)), children)


def changed_collections(events: Sequence[CommittedEvent]) -> list[str]:
    """The payment collections the events are about, in order of first mention."""
    ids: dict[str, None] = {}
    for event in events:
        collection = event.data.get("payment_collection_id")
        if collection is None and event.name.startswith(_COLLECTION_PREFIX):
            collection = event.data.get("id")
        if isinstance(collection, str):
            ids[collection] = None
    return list(ids)


def event_row(event: CommittedEvent) -> dict[str, Any]:
    """An event as the generated ``Event`` type reads it (the outbox row's columns)."""
    return {"id": event.id, "name": event.name, "data": event.data, "created_at": event.created_at}


@dataclass
class _Pass:
    changed: set[str] = field(default_factory=set)
    fresh: set[CollectionWatch] = field(default_factory=set)  # new watches: their first message


class LiveUpdates:
    """The subscriptions of one process, fed from ``bus``."""

    def __init__(self, pg: PaymentGraph, bus: EventBus, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.pg = pg
        self.queue_size = queue_size
        self._collections: dict[str, set[CollectionWatch]] = {}
        self._events: set[EventWatch] = set()
        self._pending = _Pass()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._loads = asyncio.Semaphore(_CONCURRENT_LOADS)
        bus.listen(self._on_events, on_gap=self._on_gap)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="paymentgraph-live-updates")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @property
    def subscriber_count(self) -> int:
        return len(self._events) + sum(len(w) for w in self._collections.values())

    # ------------------------------------------------------------------ subscribing

    def watch_collection(
        self, collection_id: str, selection: Selection, principal: Principal, on_overflow: Callable[[], None]
    ) -> CollectionWatch:
        """Watch a collection (already checked to be reachable); its current state is queued first."""
        owned = not principal.is_admin
        watch = CollectionWatch(
            asyncio.Queue(self.queue_size),
            on_overflow,
            collection_id=collection_id,
            selection=selection,
            owned=owned,
            owner=principal.customer_id if owned else None,
        )
        watch.group = (selection_shape(selection), watch.owned, watch.owner)
        self._collections.setdefault(collection_id, set()).add(watch)
        self._pending.fresh.add(watch)
        self._wake.set()
        return watch

    def watch_events(self, names: frozenset[str] | None, on_overflow: Callable[[], None]) -> EventWatch:
        watch = EventWatch(asyncio.Queue(self.queue_size), on_overflow, names=names)
        self._events.add(watch)
        return watch

    def forget(self, watch: Watch) -> None:
        if isinstance(watch, EventWatch):
            self._events.discard(watch)
        elif isinstance(watch, CollectionWatch):
            watches = self._collections.get(watch.collection_id)
            if watches is not None:
                watches.discard(watch)
                if not watches:
                    del self._collections[watch.collection_id]
            self._pending.fresh.discard(watch)

    # ------------------------------------------------------------------ from the bus

    def _on_events(self, events: Sequence[CommittedEvent]) -> None:
        for event in events:
            row: dict[str, Any] | None = None
            for events_watch in list(self._events):
                if events_watch.names is None or event.name in events_watch.names:
                    row = row or event_row(event)
                    events_watch.offer(row)
        watched = [c for c in changed_collections(events) if c in self._collections]
        if watched:
            self._pending.changed.update(watched)
            self._wake.set()

    def _on_gap(self) -> None:
        # Messages may have been lost while the bus was away: everyone gets the current state again.
        self._pending.changed.update(self._collections)
        self._wake.set()

    # ------------------------------------------------------------------ loading

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            work, self._pending = self._pending, _Pass()
            try:
                await self._load_pass(work)
            except Exception:
                logger.exception("loading live updates failed; subscribers get the next change")

    async def _load_pass(self, work: _Pass) -> None:
        targets: set[CollectionWatch] = set(work.fresh)
        for collection_id in work.changed:
            targets.update(self._collections.get(collection_id, ()))
        groups: dict[Hashable, list[CollectionWatch]] = {}
        for watch in targets:
            groups.setdefault(watch.group, []).append(watch)
        await asyncio.gather(*(self._load_group(watches) for watches in groups.values()))

    async def _load_group(self, watches: list[CollectionWatch]) -> None:
        first = watches[0]
        assert first.selection is not None
        ids = sorted({w.collection_id for w in watches})
        request = Request(first.selection, filters={"id": {"$in": ids}}, owned=first.owned, owner=first.owner)
        async with self._loads:
            rows = (await self.pg.query.run(request))["data"]
        by_id = {row["id"]: row for row in rows}
        for watch in watches:
            row = by_id.get(watch.collection_id)
            watch.offer(row if row is not None else END)
