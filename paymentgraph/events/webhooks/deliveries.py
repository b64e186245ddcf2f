"""Deliveries of merchant webhooks: one per (endpoint, event), made by a built-in subscriber; read by
admins (newest first, with every attempt) and redelivered by hand.

The subscriber (:data:`SUBSCRIBER_NAME`, every event) runs in the dispatcher like any other: for each
committed event it adds a ``pending`` delivery for every enabled endpoint that lists the event's name
(or ``*``) and existed when the event was written. It only writes rows, so a slow or failing receiver
never holds back the dispatcher or other subscribers; :mod:`.sender` makes the HTTP calls.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, func, select, update

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.db.statements import insert_for
from paymentgraph.db.types import utcnow
from paymentgraph.errors import NotAllowed, not_found
from paymentgraph.events.outbox import OutboxEvent
from paymentgraph.events.registry import ALL_EVENTS, Event, Subscriber
from paymentgraph.events.webhooks.models import WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint

if TYPE_CHECKING:
    from paymentgraph.connection import PaymentGraph

SUBSCRIBER_NAME = "paymentgraph.merchant_webhooks"

_deliveries = cast(Table, WebhookDelivery.__table__)
_attempts = cast(Table, WebhookDeliveryAttempt.__table__)
_endpoints = cast(Table, WebhookEndpoint.__table__)
_events = cast(Table, OutboxEvent.__table__)
_senders: list[Callable[[], None]] = []


@dataclass(frozen=True)
class WebhookDeliveryDTO:
    """One event for one endpoint, and how delivering it went (the latest attempt's answer)."""

    id: str
    endpoint_id: str
    event: Event
    status: str
    attempts: int
    response_status: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class WebhookDeliveryAttemptDTO:
    id: str
    delivery_id: str
    attempted_at: datetime
    response_status: int | None
    error: str | None
    duration_ms: int
    next_attempt_at: datetime | None


def on_new_deliveries(wake: Callable[[], None]) -> Callable[[], None]:
    """Call ``wake()`` when this process makes deliveries due; returns the function that stops it."""
    _senders.append(wake)
    return lambda: _senders.remove(wake) if wake in _senders else None


def wake_senders() -> None:
    for wake in list(_senders):
        wake()


async def make_deliveries(event: Event, pg: PaymentGraph) -> None:
    """The subscriber's handler: a pending delivery of ``event`` for each endpoint that wants it."""
    e = _endpoints
    async with read_session(pg.sessionmaker) as session:
        rows = (
            await session.execute(
                select(e.c.id, e.c.events).where(e.c.is_enabled.is_(True), e.c.created_at <= event.created_at)
            )
        ).all()
    wanted = [row.id for row in rows if ALL_EVENTS in row.events or event.name in row.events]
    if not wanted:
        return
    now = utcnow()
    window = timedelta(seconds=pg.settings.webhook_retry_window_seconds)
    values = [
        {
            "id": new_id("whdl"),
            "endpoint_id": endpoint_id,
            "event_id": event.id,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "retry_until": now + window,
            "created_at": now,
            "updated_at": now,
        }
        for endpoint_id in wanted
    ]
    async with write_transaction(pg.sessionmaker) as session:
        insert = insert_for(session, _deliveries).values(values)
        # At least once: a rerun of this handler for the same event adds nothing.
        await session.execute(insert.on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"]))
    wake_senders()


def delivery_subscriber() -> Subscriber:
    """The built-in subscriber making deliveries (its own retries only cover a database hiccup)."""
    return Subscriber(SUBSCRIBER_NAME, (ALL_EVENTS,), make_deliveries, max_attempts=20)


def _delivery_select() -> Any:
    d = _deliveries
    return select(
        d.c.id,
        d.c.endpoint_id,
        d.c.status,
        d.c.attempts,
        d.c.response_status,
        d.c.last_error,
        d.c.next_attempt_at,
        d.c.delivered_at,
        d.c.created_at,
        d.c.updated_at,
        _events.c.id.label("event_id"),
        _events.c.name.label("event_name"),
        _events.c.data.label("event_data"),
        _events.c.created_at.label("event_created_at"),
    ).join(_events, _events.c.id == d.c.event_id)


def _delivery(row: Any) -> WebhookDeliveryDTO:
    event = Event(row.event_id, row.event_name, dict(row.event_data), row.event_created_at)
    return WebhookDeliveryDTO(
        id=row.id,
        endpoint_id=row.endpoint_id,
        event=event,
        status=row.status,
        attempts=row.attempts,
        response_status=row.response_status,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def deliveries_of(
    pg: PaymentGraph, endpoint_ids: Sequence[str], take: int
) -> dict[str, list[WebhookDeliveryDTO]]:
    """The newest ``take`` deliveries of each endpoint, newest first, in one statement."""
    d = _deliveries
    if not endpoint_ids or take <= 0:
        return {}
    rank = (
        func.row_number()
        .over(partition_by=d.c.endpoint_id, order_by=(d.c.created_at.desc(), d.c.id.desc()))
        .label("rank")
    )
    ranked = select(d.c.id, rank).where(d.c.endpoint_id.in_(list(endpoint_ids))).subquery()
    statement = (
        _delivery_select()
        .join(ranked, ranked.c.id == d.c.id)
        .where(ranked.c.rank <= take)
        .order_by(d.c.endpoint_id, d.c.created_at.desc(), d.c.id.desc())
    )
    found: dict[str, list[WebhookDeliveryDTO]] = defaultdict(list)
    async with read_session(pg.sessionmaker) as session:
        for row in await session.execute(statement):
            found[row.endpoint_id].append(_delivery(row))
    return found


async def attempts_of(
    pg: PaymentGraph, delivery_ids: Sequence[str], take: int
) -> dict[str, list[WebhookDeliveryAttemptDTO]]:
    """The newest ``take`` attempts of each delivery, newest first, in one statement."""
    a = _attempts
    if not delivery_ids or take <= 0:
        return {}
    rank = (
        func.row_number()
        .over(partition_by=a.c.delivery_id, order_by=(a.c.attempted_at.desc(), a.c.id.desc()))
        .label("rank")
    )
    ranked = select(a, rank).where(a.c.delivery_id.in_(list(delivery_ids))).subquery()
    statement = select(ranked).where(ranked.c.rank <= take).order_by(ranked.c.attempted_at.desc())
    found: dict[str, list[WebhookDeliveryAttemptDTO]] = defaultdict(list)
    async with read_session(pg.sessionmaker) as session:
        for row in (await session.execute(statement)).mappings():
            fields = {k: row[k] for k in WebhookDeliveryAttemptDTO.__dataclass_fields__}
            found[row["delivery_id"]].append(WebhookDeliveryAttemptDTO(**fields))
    return found


async def retrieve_delivery(pg: PaymentGraph, id: str) -> WebhookDeliveryDTO:
    async with read_session(pg.sessionmaker) as session:
        row = (await session.execute(_delivery_select().where(_deliveries.c.id == id))).first()
    if row is None:
        raise not_found("WebhookDelivery", id)
    return _delivery(row)


async def redeliver_event(pg: PaymentGraph, endpoint_id: str, event_id: str) -> WebhookDeliveryDTO:
    """Send ``event_id`` to ``endpoint_id`` again now, with a fresh retry window (its delivery made
    pending again, or made when the endpoint never had one); NOT_FOUND for an unknown id, NOT_ALLOWED
    for a disabled endpoint."""
    d = _deliveries
    now = utcnow()
    fresh = {
        "status": "pending",
        "attempts": 0,
        "response_status": None,
        "last_error": None,
        "next_attempt_at": now,
        "retry_until": now + timedelta(seconds=pg.settings.webhook_retry_window_seconds),
        "claim": None,  # an attempt in flight no longer writes its outcome here
        "delivered_at": None,
        "updated_at": now,
    }
    async with write_transaction(pg.sessionmaker) as session:
        enabled = await session.scalar(select(_endpoints.c.is_enabled).where(_endpoints.c.id == endpoint_id))
        if enabled is None:
            raise not_found("WebhookEndpoint", endpoint_id)
        if await session.scalar(select(_events.c.id).where(_events.c.id == event_id)) is None:
            raise not_found("Event", event_id)
        if not enabled:
            raise NotAllowed(
                f"WebhookEndpoint {endpoint_id} is disabled: enable it to redeliver", id=endpoint_id
            )
        existing = await session.scalar(
            select(d.c.id).where(d.c.endpoint_id == endpoint_id, d.c.event_id == event_id)
        )
        if existing is None:
            existing = new_id("whdl")
            row = {"id": existing, "endpoint_id": endpoint_id, "event_id": event_id, "created_at": now}
            await session.execute(d.insert().values(**row, **fresh))
        else:
            await session.execute(update(d).where(d.c.id == existing).values(**fresh))
    wake_senders()
    return await retrieve_delivery(pg, existing)


def wake_callback(event: asyncio.Event) -> Callable[[], None]:
    """A thread-safe ``event.set`` for :func:`on_new_deliveries` (the loop that owns ``event``)."""
    loop = asyncio.get_running_loop()

    def wake() -> None:
        loop.call_soon_threadsafe(event.set)

    return wake
