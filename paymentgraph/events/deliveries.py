"""Subscribers' deliveries for admins: list them (failed ones above all) and retry them by hand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, func, select, update

from paymentgraph.db.session import is_sqlite, read_session, write_transaction
from paymentgraph.db.statements import execute_dml
from paymentgraph.db.types import utcnow
from paymentgraph.errors import InvalidData, not_found
from paymentgraph.events.models import DELIVERY_STATUSES, EventDelivery
from paymentgraph.events.outbox import NOTIFY_CHANNEL, OutboxEvent, wake_local_dispatchers

if TYPE_CHECKING:
    from paymentgraph.connection import PaymentGraph

_deliveries = cast(Table, EventDelivery.__table__)
_events = cast(Table, OutboxEvent.__table__)


@dataclass(frozen=True)
class Delivery:
    """One event for one subscriber, and how handling it went."""

    id: str
    event_id: str
    event_name: str
    subscriber: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    handled_at: datetime | None
    created_at: datetime
    updated_at: datetime


async def list_deliveries(
    pg: PaymentGraph,
    *,
    status: str | None = None,
    subscriber: str | None = None,
    event_id: str | None = None,
    id: str | None = None,
    take: int = 50,
) -> list[Delivery]:
    """Deliveries, newest event first; INVALID_DATA for an unknown status."""
    if status is not None and status not in DELIVERY_STATUSES:
        raise InvalidData(f"status must be one of {', '.join(DELIVERY_STATUSES)}", field="status")
    d = _deliveries
    statement = (
        select(d, _events.c.name.label("event_name"))
        .join(_events, _events.c.id == d.c.event_id)
        .order_by(d.c.event_seq.desc(), d.c.subscriber)
        .limit(take)
    )
    wanted = ((d.c.status, status), (d.c.subscriber, subscriber), (d.c.event_id, event_id), (d.c.id, id))
    for column, value in wanted:
        if value is not None:
            statement = statement.where(column == value)
    async with read_session(pg.sessionmaker) as session:
        rows = (await session.execute(statement)).mappings().all()
    return [Delivery(**{k: row[k] for k in Delivery.__dataclass_fields__}) for row in rows]


async def retry_deliveries(
    pg: PaymentGraph, ids: Sequence[str] | None = None, *, subscriber: str | None = None
) -> int:
    """Make failed deliveries pending again with a fresh count of attempts; how many were.

    ``ids``: those deliveries (NOT_FOUND for an unknown id; one that is not failed is left as it is);
    otherwise every failed delivery (of ``subscriber`` when given).
    """
    d = _deliveries
    async with write_transaction(pg.sessionmaker) as session:
        condition = d.c.status == "failed"
        if ids is not None:
            found = set((await session.execute(select(d.c.id).where(d.c.id.in_(list(ids))))).scalars())
            for id in ids:
                if id not in found:
                    raise not_found("EventDelivery", id)
            condition = condition & d.c.id.in_(list(ids))
        if subscriber is not None:
            condition = condition & (d.c.subscriber == subscriber)
        now = utcnow()
        result = await execute_dml(
            session,
            update(d)
            .where(condition)
            .values(status="pending", attempts=0, next_attempt_at=now, updated_at=now),
        )
        if result.rowcount and not is_sqlite(pg.engine):
            await session.execute(select(func.pg_notify(NOTIFY_CHANNEL, "")))  # other processes' dispatchers
    wake_local_dispatchers()
    return result.rowcount
