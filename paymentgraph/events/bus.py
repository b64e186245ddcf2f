"""The event bus: committed events, in commit order, to every served process (for live subscriptions).

Who publishes, and why there: the dispatcher's fan-out (:mod:`paymentgraph.events.dispatcher`). It is
the one step that sees every committed event exactly once (it marks them dispatched), in the order they
became visible, one worker at a time (an advisory lock on PostgreSQL, the write lock on SQLite). It
publishes a batch while it still holds that lock, so batches reach the bus in the order they were
fanned out, whichever worker (or process writing through a provider webhook) committed the change.
Events of one entity are written under its row lock, so for one entity this is commit order.

- :class:`LocalBus` (no ``PAYMENTGRAPH_REDIS_URL``: one process, the embedded default) hands a batch to
  this process's listeners.
- :class:`RedisBus` publishes a batch as ONE message on a Redis channel (redis-py's asyncio client);
  every process subscribes to it and hands each message to its own listeners. Redis keeps the order of
  one channel. A publish that fails (Redis down) is logged and the fan-out goes on: subscribers and
  webhooks never wait for Redis. Pub/sub is at most once, so a process whose subscription was lost
  tells its listeners (``on_gap``) once it is back, and they re-send current state.

Listeners are plain callables run on the event loop; they must not block (queue the work).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

logger = logging.getLogger(__name__)

DEFAULT_CHANNEL = "paymentgraph:committed"
# A publish that takes longer than this is given up (logged): the fan-out holds its lock meanwhile.
PUBLISH_TIMEOUT_SECONDS = 2.0
# Delay before re-subscribing after Redis went away (doubles up to the maximum).
_RECONNECT_SECONDS = 0.2
_RECONNECT_MAX_SECONDS = 5.0


@dataclass(frozen=True)
class CommittedEvent:
    """One committed outbox event as the bus carries it (``seq``: its position in the outbox)."""

    seq: int
    id: str
    name: str
    data: dict[str, Any]
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "id": self.id,
            "name": self.name,
            "data": self.data,
            "created_at": self.created_at.isoformat(),
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> CommittedEvent:
        return cls(
            int(value["seq"]),
            value["id"],
            value["name"],
            value["data"],
            datetime.fromisoformat(value["created_at"]),
        )


Listener = Callable[[Sequence[CommittedEvent]], None]


class EventBus:
    """Listeners of this process; :meth:`publish` reaches the listeners of every process on the bus."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._gap_listeners: list[Callable[[], None]] = []

    def listen(self, listener: Listener, on_gap: Callable[[], None] | None = None) -> None:
        self._listeners.append(listener)
        if on_gap is not None:
            self._gap_listeners.append(on_gap)

    def _deliver(self, events: Sequence[CommittedEvent]) -> None:
        for listener in list(self._listeners):
            try:
                listener(events)
            except Exception:
                logger.exception("an event bus listener failed")

    def _gap(self) -> None:
        for listener in list(self._gap_listeners):
            try:
                listener()
            except Exception:
                logger.exception("an event bus gap listener failed")

    async def publish(self, events: Sequence[CommittedEvent]) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        """Begin receiving (a no-op in process)."""

    async def stop(self) -> None:
        """Stop receiving and release connections."""


class LocalBus(EventBus):
    """One process: a published batch goes straight to this process's listeners."""

    async def publish(self, events: Sequence[CommittedEvent]) -> None:
        if events:
            self._deliver(events)


class RedisBus(EventBus):
    """Several processes: batches go through one Redis pub/sub channel."""

    def __init__(self, url: str, channel: str = DEFAULT_CHANNEL) -> None:
        super().__init__()
        import redis.asyncio as redis

        self.url = url
        self.channel = channel
        # Short timeouts: a dead Redis must not hold the fan-out (it publishes under its lock).
        self._publisher = redis.from_url(
            url, socket_timeout=PUBLISH_TIMEOUT_SECONDS, socket_connect_timeout=PUBLISH_TIMEOUT_SECONDS
        )
        self._task: asyncio.Task[None] | None = None
        self.subscribed = asyncio.Event()

    async def publish(self, events: Sequence[CommittedEvent]) -> None:
        if not events:
            return
        message = orjson.dumps([event.as_json() for event in events])
        try:
            await asyncio.wait_for(self._publisher.publish(self.channel, message), PUBLISH_TIMEOUT_SECONDS)
        except Exception as exc:  # Redis down or slow: live subscribers miss these, nothing else does
            logger.warning("publishing %d events to Redis failed: %s", len(events), exc)

    async def start(self, wait_seconds: float = 2.0) -> None:
        """Subscribe in the background; wait (at most ``wait_seconds``) until the subscription is live."""
        self._task = asyncio.create_task(self._receive(), name="paymentgraph-event-bus")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.subscribed.wait(), wait_seconds)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._publisher.aclose()

    async def _receive(self) -> None:
        import redis.asyncio as redis

        delay = _RECONNECT_SECONDS
        lost = False
        while True:
            # Named, so an operator (or a test) can tell the bus's subscription apart in CLIENT LIST.
            client = redis.from_url(self.url, client_name=f"paymentgraph-bus:{self.channel}")
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self.subscribed.set()
                    delay = _RECONNECT_SECONDS
                    if lost:
                        logger.warning("Redis subscription is back; live subscribers are sent current state")
                        self._gap()
                        lost = False
                    async for message in pubsub.listen():
                        if message.get("type") != "message":
                            continue
                        try:
                            events = [CommittedEvent.from_json(e) for e in orjson.loads(message["data"])]
                        except (ValueError, KeyError, TypeError):
                            logger.warning("ignored a malformed message on %s", self.channel)
                            continue
                        self._deliver(events)
            except (OSError, redis.RedisError) as exc:
                logger.warning("Redis subscription lost (%s); retrying in %.1f s", exc, delay)
            finally:
                self.subscribed.clear()
                lost = True
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, _RECONNECT_MAX_SECONDS)


def event_bus(redis_url: str | None, channel: str = DEFAULT_CHANNEL) -> EventBus:
    """The bus for this configuration: Redis when a URL is set, else in process."""
    return RedisBus(redis_url, channel) if redis_url else LocalBus()
