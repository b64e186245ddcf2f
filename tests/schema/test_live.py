"""Live updates: a subscriber that does not keep up is dropped once, never buffered without bound."""

from __future__ import annotations

from typing import Any

from paymentgraph.db.types import utcnow
from paymentgraph.events.bus import CommittedEvent, LocalBus
from paymentgraph.schema.live import LiveUpdates


async def test_a_subscriber_that_does_not_keep_up_is_dropped_not_buffered(pg: Any) -> None:
    bus = LocalBus()
    live = LiveUpdates(pg, bus, queue_size=2)
    dropped: list[bool] = []
    slow = live.watch_events(None, on_overflow=lambda: dropped.append(True))
    keeping_up = live.watch_events(frozenset({"payment.captured"}), on_overflow=lambda: dropped.append(False))
    for seq in range(5):
        await bus.publish([CommittedEvent(seq, f"evt_{seq}", "payment.captured", {"id": "pay_1"}, utcnow())])
        keeping_up.queue.get_nowait()
    assert dropped == [True]  # once, and only the slow one
    assert slow.queue.qsize() == 2  # what it held when it fell behind; nothing more was queued
    live.forget(slow)
    live.forget(keeping_up)
    assert live.subscriber_count == 0
