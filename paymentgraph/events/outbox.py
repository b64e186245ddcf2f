"""The transactional outbox: domain events written in the same transaction as the change they describe.

A service that changes state calls :func:`record_event` with its open session or connection, before
its transaction commits: the event row commits with the change or rolls back with it, so no event is
emitted for a change that did not happen and none is lost for one that did (even if the process dies
right after the commit: the dispatcher of any worker finds the row later). A transaction's events
are written in ONE multi-row INSERT just before it commits.

This module sits as low as ``db/`` (modules import it; it imports nothing but ``db/``). The dispatcher
that hands events to subscribers lives beside it (:mod:`paymentgraph.events.dispatcher`).

Names are Medusa's, dotted and lower-case (``payment.captured``); ``data`` always holds the entity's
``id``; payment events add ``payment_collection_id`` and the amount moved; ``actor_id`` says who did it
when that is known. ``seq`` orders events as they were inserted; events about one entity are written
under that entity's row lock, so for one entity this is also the order of commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Index,
    Integer,
    String,
    Table,
    bindparam,
    event,
    insert,
    select,
    text,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Mapped, Session, mapped_column

from paymentgraph.db.base import Base
from paymentgraph.db.ids import ulid
from paymentgraph.db.types import JSONType, UTCDateTime, utcnow

EVENT_NAMES = (
    "payment_collection.created",
    "payment_collection.updated",
    "payment_collection.deleted",
    "payment_collection.completed",
    "payment_session.created",
    "payment_session.updated",
    "payment_session.deleted",
    "payment_session.authorized",
    "payment.authorized",
    "payment.captured",
    "payment.refunded",
    "payment.canceled",
    "dispute.created",
    "dispute.updated",
    "cart.created",
    "cart.completed",
    "order.placed",
)
# PostgreSQL: a statement trigger on the event table sends this NOTIFY (delivered at commit, once per
# transaction whatever it inserted), so listeners in every process wake without polling.
NOTIFY_CHANNEL = "paymentgraph_events"
# Set on a session that wrote events in its transaction; after its commit this process's dispatchers are
# woken at once (SQLite has no NOTIFY, and in-process needs no round trip).
_WROTE_EVENTS = "paymentgraph_outbox_wrote"
# The events recorded in a connection's open transaction, written at the session's commit.
_PENDING = "paymentgraph_outbox_pending"
# Set on a connection whose open transaction's events a statement inserted itself (execute_with_events).
_CARRIED = "paymentgraph_outbox_carried"


class OutboxEvent(Base):
    """One domain event. ``dispatched_at`` is set once the dispatcher fanned it out to its subscribers."""

    __tablename__ = "event"
    __table_args__ = (
        # The dispatcher's scan for work reads only undispatched rows.
        Index(
            "IDX_event_undispatched",
            "seq",
            postgresql_where=text("dispatched_at IS NULL"),
            sqlite_where=text("dispatched_at IS NULL"),
        ),
    )

    # INTEGER (not BIGINT) on SQLite, so the column is the rowid and autoincrements.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[str] = mapped_column(String, nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String, nullable=False, index=True)
    # The entity the event is about (data["id"]): delivery keeps commit order per entity_id.
    entity_id: Mapped[str] = mapped_column(String, nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


_last_ulid = ""


def _event_id() -> str:
    """A ULID that grows within this process even inside one millisecond (so ids sort as written)."""
    global _last_ulid
    value = ulid()
    if value <= _last_ulid:
        value = _increment(_last_ulid)
    _last_ulid = value
    return f"evt_{value}"


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _increment(value: str) -> str:
    digits = [_CROCKFORD.index(c) for c in value]
    for i in reversed(range(len(digits))):
        if digits[i] < 31:
            digits[i] += 1
            break
        digits[i] = 0
    return "".join(_CROCKFORD[d] for d in digits)


def event_row(name: str, data: Mapping[str, Any], *, actor_id: str | None = None) -> dict[str, Any]:
    """The row of one event (a new ``evt_`` id, now); ``data`` must hold the entity's ``id``."""
    entity_id = data.get("id")
    if not isinstance(entity_id, str) or not entity_id:
        raise ValueError(f"event {name}: data must hold the entity's id")
    payload = dict(data)
    if actor_id is not None:
        payload["actor_id"] = actor_id
    return {"id": _event_id(), "name": name, "entity_id": entity_id, "data": payload, "created_at": utcnow()}


async def record_event(
    db: AsyncSession | AsyncConnection, name: str, data: Mapping[str, Any], *, actor_id: str | None = None
) -> None:
    """Add one event to ``db``'s open transaction; it commits or rolls back with it."""
    await record_events(db, [event_row(name, data, actor_id=actor_id)])


async def record_events(db: AsyncSession | AsyncConnection, rows: Iterable[dict[str, Any]]) -> None:
    """Add events (rows from :func:`event_row`) to ``db``'s open transaction.

    They are held on the connection and written just before the session commits, all of a transaction's
    events in ONE multi-row INSERT (a payment step that authorizes, creates a payment and moves its
    collection costs one statement, not three). ``db`` must belong to an ORM session (a connection from
    ``session.connection()``): the session's commit is what writes them.
    """
    rows = list(rows)
    if not rows or _paused.get():
        return
    conn = await db.connection() if isinstance(db, AsyncSession) else db
    sync = conn.sync_connection
    assert sync is not None
    sync.info.setdefault(_PENDING, []).extend(rows)
    _watch(sync)


async def execute_with_events(
    conn: AsyncConnection,
    statement: Any,
    rows: Iterable[dict[str, Any]] = (),
    parameters: Mapping[str, Any] | None = None,
) -> Any:
    """Run ``statement`` and write ``rows`` (events about its change) in the same transaction.

    On PostgreSQL the statement inserts them itself, with every event recorded earlier in the open
    transaction, through a data-modifying CTE: one statement instead of two, and as atomic as the
    statement (on an AUTOCOMMIT connection the statement IS the transaction, and this process's
    dispatchers are woken once it returns). Elsewhere (SQLite has no data-modifying CTEs) they are
    recorded for the session's commit like :func:`record_events`. Returns the statement's result.

    ``statement`` is built once by the caller (only ``parameters`` change): with the events' INSERT it
    is cached per event count, so it is neither rebuilt nor compiled again on later calls.
    """
    new = list(rows)
    if conn.dialect.name != "postgresql" or _paused.get():
        result = await conn.execute(statement, parameters)
        await record_events(conn, new)
        return result
    info = conn.sync_connection.info  # type: ignore[union-attr]
    carried_rows: list[dict[str, Any]] = info.pop(_PENDING, []) + new
    if not carried_rows:
        return await conn.execute(statement, parameters)
    result = await conn.execute(
        _carrying(statement, len(carried_rows)), {**(parameters or {}), **_event_parameters(carried_rows)}
    )
    if conn.sync_connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":  # type: ignore[union-attr]
        wake_local_dispatchers()
    else:
        info[_CARRIED] = True
        _watch(conn.sync_connection)  # type: ignore[arg-type]
    return result


_EVENT_COLUMNS = ("id", "name", "entity_id", "data", "created_at")
# execute_with_events' statements with their events' CTE, by (id of the statement, event count); the
# statement is kept in the entry so its id stays its own.
_CARRYING: dict[tuple[int, int], tuple[Any, Any]] = {}
_CARRYING_SHAPES = 512


def _carrying(statement: Any, count: int) -> Any:
    """``statement`` with the INSERT of ``count`` events (:func:`_event_parameters`) as a CTE."""
    entry = _CARRYING.get((id(statement), count))
    if entry is not None and entry[0] is statement:
        return entry[1]
    carried = statement.add_cte(_insert_events(count, None).cte("carried_events"))
    if len(_CARRYING) >= _CARRYING_SHAPES:
        _CARRYING.clear()
    _CARRYING[id(statement), count] = (statement, carried)
    return carried


def _event_parameters(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {f"e{n}_{name}": row[name] for n, row in enumerate(rows) for name in _EVENT_COLUMNS}


def guarded_events(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The parameters of :func:`insert_events_if` for ``rows`` (from :func:`event_row`): ``e<n>_<column>``;
    empty: nothing to write (no rows, or the outbox paused for a measurement)."""
    if _paused.get():
        return {}
    return _event_parameters(rows)


def insert_events_if(count: int, condition: Any) -> Any:
    """An INSERT of ``count`` events (parameters from :func:`guarded_events`) that writes only where
    ``condition`` holds, to run as a data-modifying CTE of a statement whose other writes are guarded
    by the same condition (the caller wakes this process's dispatchers once such an autocommit
    statement wrote). Built once per count by the caller: only its parameters change."""
    return _insert_events(count, condition)


def _insert_events(count: int, condition: Any | None) -> Any:
    table = cast(Table, OutboxEvent.__table__)
    selects = []
    for n in range(count):
        one = select(
            *(bindparam(f"e{n}_{name}", type_=table.c[name].type).label(name) for name in _EVENT_COLUMNS)
        )
        selects.append(one if condition is None else one.where(condition))
    return insert(table).from_select(
        list(_EVENT_COLUMNS), selects[0] if len(selects) == 1 else union_all(*selects)
    )


_commit_listeners: list[Callable[[], None]] = []
# Only the benchmark sets this (bench/events.py measures what the outbox costs by comparing with it off).
_paused: ContextVar[bool] = ContextVar("paymentgraph_outbox_paused", default=False)


@contextmanager
def paused_for_measurement() -> Iterator[None]:
    """Record no events in this block (for measuring the outbox's cost; losing events otherwise)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def on_commit_with_events(callback: Callable[[], None]) -> None:
    """Call ``callback()`` when a transaction of this process that wrote events commits."""
    _commit_listeners.append(callback)


def remove_commit_listener(callback: Callable[[], None]) -> None:
    if callback in _commit_listeners:
        _commit_listeners.remove(callback)


def wake_local_dispatchers() -> None:
    """Wake this process's dispatchers now (after a commit that made deliveries due without events)."""
    for callback in list(_commit_listeners):
        callback()


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    # Runs inside the session's commit, on its connection, before COMMIT: SQL is still allowed here.
    for conn in _session_connections(session):
        if conn.info.pop(_CARRIED, False):
            session.info[_WROTE_EVENTS] = True
        rows = conn.info.pop(_PENDING, None)
        if rows:
            conn.execute(insert(OutboxEvent).values(rows))
            session.info[_WROTE_EVENTS] = True


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    # After COMMIT returned, so a dispatcher woken now sees the rows.
    if session.info.pop(_WROTE_EVENTS, False):
        wake_local_dispatchers()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_WROTE_EVENTS, None)


def _session_connections(session: Session) -> list[Connection]:
    transaction = session.get_transaction()
    if transaction is None:
        return []
    # The root transaction's connections (bind -> (Connection, Transaction, ...)); there is no public
    # accessor that does not open a connection when the session has none.
    return [entry[0] for entry in transaction._connections.values()]


def _watch(conn: Connection) -> None:
    """Check ``conn``'s commit and forget its held events at its rollback (its info outlives it in the
    pool). Listeners on this Connection only, added when it first holds events: one on every Engine
    would make SQLAlchemy dispatch its connection events around every statement of every connection
    (about 4 % of the payment flow's CPU), the autocommit ones that never hold events too."""
    if not event.contains(conn, "rollback", _on_rollback):
        event.listen(conn, "commit", _on_commit)
        event.listen(conn, "rollback", _on_rollback)


def _on_commit(conn: Connection) -> None:
    if conn.info.pop(_PENDING, None):
        # A connection outside any session cannot write its events: fail loudly, never lose them.
        raise RuntimeError("events were recorded on a connection that is not a session's; use a session")


def _on_rollback(conn: Connection) -> None:
    if conn.invalidated:  # its info went with the DBAPI connection (and reading it would raise)
        return
    conn.info.pop(_PENDING, None)
    conn.info.pop(_CARRIED, None)
