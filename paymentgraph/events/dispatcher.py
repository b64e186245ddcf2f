"""The dispatcher: hands committed events to their subscribers, at least once, in order per entity.

Two steps, both safe to run in any number of workers at once:

1. **Fan-out.** Undispatched events become one ``event_delivery`` row per subscriber that handles them
   (the subscribers this worker knows: every worker runs the same configuration), and are marked
   dispatched, in one transaction. On PostgreSQL one worker at a time fans out (a transaction-level
   advisory lock, tried, never waited for), so deliveries of one entity are created in commit order.
2. **Delivery.** A subscriber's next due pending delivery, whose entity has no earlier pending delivery
   for that subscriber, is claimed and its handler run. PostgreSQL: the row is claimed ``FOR UPDATE
   SKIP LOCKED`` and the lock is held until the outcome is written, so no two workers run one subscriber
   for one event, and a worker that dies mid-handler releases it for another (at least once). SQLite:
   one process owns the database; an in-process lock per subscriber serialises its dispatchers.

3. **Publication.** With an event bus (:mod:`paymentgraph.events.bus`), each fanned-out batch is
   published in seq order while the fan-out still holds its lock, so the bus carries committed events
   in the order they were fanned out, whichever worker fans out (live GraphQL subscriptions listen).

A handler that raises is retried after ``subscriber.backoff(attempts)`` seconds; after
``max_attempts`` failures the delivery is ``failed`` and waits for an admin
(:func:`paymentgraph.events.deliveries.retry_deliveries`). Retrying or failing an earlier event of an
entity holds back that entity's later events only while it is pending: a failed one no longer does.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, and_, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import is_sqlite, read_session, write_transaction
from paymentgraph.db.statements import insert_for
from paymentgraph.db.types import utcnow
from paymentgraph.events.bus import CommittedEvent, EventBus
from paymentgraph.events.models import EventDelivery
from paymentgraph.events.outbox import OutboxEvent
from paymentgraph.events.registry import Event, Handlers, Subscriber

if TYPE_CHECKING:
    from paymentgraph.connection import PaymentGraph

logger = logging.getLogger(__name__)

FAN_OUT_BATCH = 500
# Any constant works: it names "the fan-out" among this database's advisory locks.
_FAN_OUT_LOCK = 0x70676576  # "pgev"
_SQLITE_SUBSCRIBER_LOCKS: dict[tuple[str, str], asyncio.Lock] = {}
_MAX_ERROR = 2000

_events = cast(Table, OutboxEvent.__table__)
_deliveries = cast(Table, EventDelivery.__table__)


class Dispatcher:
    """Fans out and delivers the events of ``pg`` to ``handlers`` (default ``pg.handlers``)."""

    def __init__(
        self, pg: PaymentGraph, handlers: Handlers | None = None, bus: EventBus | None = None
    ) -> None:
        self.pg = pg
        self.handlers = handlers or pg.handlers
        self.bus = bus
        self.sessionmaker: async_sessionmaker[AsyncSession] = pg.sessionmaker
        self.sqlite = is_sqlite(pg.engine)
        # True when the last fan_out found another worker fanning out (PostgreSQL's lock was taken).
        self.fan_out_was_busy = False

    async def run_once(self, *, fan_out: bool = True) -> int:
        """Fan out (unless another task of this process does), then deliver every due delivery; the
        number of handler runs."""
        if not self.handlers.subscribers and self.bus is None:
            return 0
        while fan_out and await self.fan_out() == FAN_OUT_BATCH:
            pass
        handled = 0
        for sub in list(self.handlers.subscribers.values()):
            while await self.deliver_next(sub):
                handled += 1
        return handled

    async def fan_out(self) -> int:
        """Turn undispatched events into deliveries for the subscribers that handle them."""
        self.fan_out_was_busy = False
        async with write_transaction(self.sessionmaker) as session:
            if not self.sqlite:
                got = await session.scalar(select(func.pg_try_advisory_xact_lock(_FAN_OUT_LOCK)))
                if not got:
                    self.fan_out_was_busy = True
                    return 0  # another worker is fanning out; its rows are the same rows
            columns = [_events.c.seq, _events.c.id, _events.c.name, _events.c.entity_id]
            if self.bus is not None:
                columns += [_events.c.data, _events.c.created_at]
            rows = (
                await session.execute(
                    select(*columns)
                    .where(_events.c.dispatched_at.is_(None))
                    .order_by(_events.c.seq)
                    .limit(FAN_OUT_BATCH)
                )
            ).all()
            if not rows:
                return 0
            now = utcnow()
            deliveries = [
                {
                    "id": new_id("evdl"),
                    "event_id": row.id,
                    "event_seq": row.seq,
                    "entity_id": row.entity_id,
                    "subscriber": sub.name,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for row in rows
                for sub in self.handlers.subscribers_of(row.name)
            ]
            if deliveries:
                insert = insert_for(session, _deliveries).values(deliveries)
                await session.execute(
                    insert.on_conflict_do_nothing(index_elements=["event_id", "subscriber"])
                )
            await session.execute(
                update(_events).where(_events.c.seq.in_([r.seq for r in rows])).values(dispatched_at=now)
            )
            if self.bus is not None:
                # Still under the fan-out's lock: batches reach the bus in the order they were fanned out.
                await self.bus.publish(
                    [CommittedEvent(r.seq, r.id, r.name, dict(r.data), r.created_at) for r in rows]
                )
            return len(rows)

    async def deliver_next(self, sub: Subscriber) -> bool:
        """Claim and handle ``sub``'s next due delivery; False when there is none."""
        if self.sqlite:
            # Keyed by the database, so dispatchers of two PaymentGraph instances on one file share it.
            key = (self.pg.engine.url.render_as_string(), sub.name)
            lock = _SQLITE_SUBSCRIBER_LOCKS.setdefault(key, asyncio.Lock())
            async with lock:
                async with read_session(self.sessionmaker) as session:
                    claimed = (await session.execute(_claim(sub.name, utcnow(), lock=False))).first()
                if claimed is None:
                    return False
                outcome = await self._run(sub, claimed)
                async with write_transaction(self.sessionmaker) as session:
                    await _record(session, claimed.delivery_id, outcome)
                return True
        async with self.sessionmaker() as session, session.begin():
            claimed = (await session.execute(_claim(sub.name, utcnow(), lock=True))).first()
            if claimed is None:
                return False
            # The row lock is held while the handler runs: no other worker can claim this delivery, and
            # if this process dies the lock goes with its connection and the delivery stays pending.
            outcome = await self._run(sub, claimed)
            await _record(session, claimed.delivery_id, outcome)
            return True

    async def _run(self, sub: Subscriber, claimed: Any) -> dict[str, Any]:
        event = Event(claimed.event_id, claimed.name, dict(claimed.data), claimed.created_at)
        attempts = claimed.attempts + 1
        now = utcnow()
        try:
            await sub.handler(event, self.pg)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:_MAX_ERROR]
            final = attempts >= sub.max_attempts
            (logger.error if final else logger.warning)(
                "subscriber %s failed on event %s (%s), attempt %d of %d: %s",
                sub.name,
                event.id,
                event.name,
                attempts,
                sub.max_attempts,
                error,
            )
            return {
                "status": "failed" if final else "pending",
                "attempts": attempts,
                "last_error": error,
                "next_attempt_at": now + timedelta(seconds=sub.backoff(attempts)),
                "updated_at": now,
            }
        return {"status": "succeeded", "attempts": attempts, "handled_at": now, "updated_at": now}


def _claim(subscriber: str, now: datetime, *, lock: bool) -> Any:
    """The subscriber's next due pending delivery whose entity has no earlier pending one."""
    d = _deliveries
    earlier = aliased(EventDelivery)
    statement = (
        select(
            d.c.id.label("delivery_id"),
            d.c.attempts,
            _events.c.id.label("event_id"),
            _events.c.name,
            _events.c.data,
            _events.c.created_at,
        )
        .join(_events, _events.c.id == d.c.event_id)
        .where(
            d.c.subscriber == subscriber,
            d.c.status == "pending",
            d.c.next_attempt_at <= now,
            ~exists().where(
                and_(
                    earlier.subscriber == d.c.subscriber,
                    earlier.entity_id == d.c.entity_id,
                    earlier.status == "pending",
                    earlier.event_seq < d.c.event_seq,
                )
            ),
        )
        .order_by(d.c.event_seq)
        .limit(1)
    )
    return statement.with_for_update(skip_locked=True, of=d) if lock else statement


async def _record(session: AsyncSession, delivery_id: str, outcome: dict[str, Any]) -> None:
    await session.execute(update(_deliveries).where(_deliveries.c.id == delivery_id).values(**outcome))
