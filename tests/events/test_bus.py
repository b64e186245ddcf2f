"""The event bus through Redis: batches reach every process's listeners in publish order; a lost
subscription comes back by itself and says so (the gap); a Redis that is not there breaks nothing.

Peer: Redis at 127.0.0.1:6379, each test on a channel of its own.
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import Sequence

import redis.asyncio as redis

from paymentgraph.db.types import utcnow
from paymentgraph.events.bus import CommittedEvent, RedisBus

REDIS_URL = "redis://127.0.0.1:6379/0"


def _events(*seqs: int) -> list[CommittedEvent]:
    return [
        CommittedEvent(seq, f"evt_{seq}", "payment.captured", {"id": f"pay_{seq}"}, utcnow()) for seq in seqs
    ]


async def _until(check: object, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.02)


def _channel() -> str:
    return f"paymentgraph:test:{uuid.uuid4().hex}"


async def test_every_process_hears_each_batch_in_order() -> None:
    channel = _channel()
    publisher, listener = RedisBus(REDIS_URL, channel), RedisBus(REDIS_URL, channel)
    heard: dict[str, list[int]] = {"publisher": [], "listener": []}

    def note(name: str) -> object:
        return lambda batch: heard[name].extend(e.seq for e in batch)

    publisher.listen(note("publisher"))  # type: ignore[arg-type]
    listener.listen(note("listener"))  # type: ignore[arg-type]
    await publisher.start()
    await listener.start()
    try:
        for batch in ([1, 2, 3], [4], [5, 6]):
            await publisher.publish(_events(*batch))
        await _until(lambda: len(heard["listener"]) == 6 and len(heard["publisher"]) == 6)
        assert heard == {"publisher": [1, 2, 3, 4, 5, 6], "listener": [1, 2, 3, 4, 5, 6]}
        [event] = _events(7)
        heard_events: list[Sequence[CommittedEvent]] = []
        listener.listen(heard_events.append)
        await publisher.publish([event])
        await _until(lambda: bool(heard_events))
        assert heard_events == [[event]]  # id, name, data and created_at survive the trip
    finally:
        await publisher.stop()
        await listener.stop()


async def test_a_lost_subscription_comes_back_and_reports_the_gap() -> None:
    channel = _channel()
    bus = RedisBus(REDIS_URL, channel)
    gaps: list[bool] = []
    heard: list[int] = []
    bus.listen(lambda batch: heard.extend(e.seq for e in batch), on_gap=lambda: gaps.append(True))
    await bus.start()
    admin = redis.from_url(REDIS_URL)
    try:
        # Kill only this bus's subscription (by its name), as a Redis restart or a network cut would.
        clients = await admin.client_list()
        [ours] = [c for c in clients if c.get("name") == f"paymentgraph-bus:{channel}"]
        await admin.client_kill_filter(_id=ours["id"])
        await _until(lambda: bool(gaps))
        await _until(lambda: bus.subscribed.is_set())
        await bus.publish(_events(1))
        await _until(lambda: heard == [1])
    finally:
        await admin.aclose()
        await bus.stop()


async def test_a_redis_that_is_not_there_breaks_nothing() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    bus = RedisBus(f"redis://127.0.0.1:{port}/0", _channel())
    await bus.start(wait_seconds=0.2)  # returns although it cannot subscribe
    assert not bus.subscribed.is_set()
    await bus.publish(_events(1))  # logged, not raised: the fan-out goes on
    await bus.stop()
