"""SQL for payment collections and what their recomputation reads.

The functions taking an ``AsyncConnection`` are SQLAlchemy Core (rows as mappings keyed by column
name): they serve the payment flow's hot path, where the ORM's unit of work cost more than the SQL.
Their statements are built once with bound parameters (see ``payment_rows``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import (
    RowMapping,
    String,
    Table,
    bindparam,
    case,
    insert,
    literal_column,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from paymentgraph.events.outbox import (
    execute_with_events,
)
from paymentgraph.modules.payment.models import (
    Dispute,
    Payment,
    PaymentCollection,
    PaymentProvider,
    PaymentSession,
)
from paymentgraph.modules.payment.repository.common import children, split_columns

COLLECTION = cast(Table, PaymentCollection.__table__)
_SESSION = cast(Table, PaymentSession.__table__)
_PAYMENT = cast(Table, Payment.__table__)
_PROVIDER = cast(Table, PaymentProvider.__table__)
_DISPUTE = cast(Table, Dispute.__table__)


async def sessions_of(session: AsyncSession, collection_ids: Sequence[str]) -> list[PaymentSession]:
    return await children(session, PaymentSession, "payment_collection_id", collection_ids)


async def payments_of(session: AsyncSession, collection_ids: Sequence[str]) -> list[Payment]:
    return await children(session, Payment, "payment_collection_id", collection_ids)


def collection_columns() -> list[Any]:
    """The collection's columns as ``collection_<name>``, to read it beside another row in one statement
    (:func:`paymentgraph.modules.payment.repository.common.split_columns` takes them apart)."""
    return [c.label(f"collection_{c.name}") for c in COLLECTION.c]


_COLLECTION = select(COLLECTION).where(COLLECTION.c.id == bindparam("id"), COLLECTION.c.deleted_at.is_(None))
_WITH_PROVIDER = _COLLECTION.add_columns(
    select(_PROVIDER.c.is_enabled)
    .where(_PROVIDER.c.id == bindparam("provider_id"), _PROVIDER.c.deleted_at.is_(None))
    .scalar_subquery()
    .label("provider_enabled")
)
# NO KEY UPDATE (recomputation never writes the key): lockers still queue one behind another, but a
# row inserted under the collection (its foreign-key check takes KEY SHARE) neither waits for the lock
# nor blocks it; with FOR UPDATE two authorizations in one collection deadlocked.
_LOCKED = {
    False: _COLLECTION.with_for_update(of=COLLECTION, key_share=True),
    True: _WITH_PROVIDER.with_for_update(of=COLLECTION, key_share=True),
}
# Without .values(): the SET clause is the columns of the parameters given ("pk" is the key).
_UPDATE = update(COLLECTION).where(COLLECTION.c.id == bindparam("pk"))
# A new row version without a new value (updated_at given, so its onupdate does not apply).
_NEW_VERSION = (
    update(COLLECTION).where(COLLECTION.c.id == bindparam("pk")).values(updated_at=COLLECTION.c.updated_at)
)


def recompute_facts_of(collection_id: Any) -> Any:
    """The statement of :func:`recompute_facts` for the collection ``collection_id`` (a SQL expression)."""
    s, p = _SESSION, _PAYMENT
    sessions = select(
        literal_column("'s'").label("kind"),
        s.c.id.label("session_id"),
        s.c.status.label("status"),
        s.c.currency_code.label("currency_code"),
        s.c.amount.label("a1"),
        s.c.amount.label("a2"),
    ).where(s.c.payment_collection_id == collection_id, s.c.deleted_at.is_(None))
    payments = select(
        literal_column("'p'"),
        p.c.payment_session_id,
        case((p.c.canceled_at.is_(None), literal_column("'live'")), else_=literal_column("'canceled'")),
        p.c.currency_code,
        p.c.captured_amount,
        p.c.refunded_amount,
    ).where(p.c.payment_collection_id == collection_id, p.c.deleted_at.is_(None))
    d = _DISPUTE
    disputes = (
        select(
            literal_column("'d'"),
            d.c.payment_id,
            d.c.status,
            d.c.currency_code,
            d.c.amount,
            d.c.withdrawn_amount,
        )
        .select_from(d.join(p, p.c.id == d.c.payment_id))
        .where(p.c.payment_collection_id == collection_id, p.c.deleted_at.is_(None), d.c.deleted_at.is_(None))
    )
    return union_all(sessions, payments, disputes)


_RECOMPUTE_FACTS = recompute_facts_of(bindparam("collection_id"))

# The collection's row version (xmin: a new one with every UPDATE, see write_recomputed). PostgreSQL.
VERSION: Any = sql_cast(literal_column("payment_collection.xmin"), String())
_FACT_COLUMNS = ("kind", "session_id", "status", "currency_code", "a1", "a2")


def _with_facts() -> Any:
    facts = _RECOMPUTE_FACTS.subquery("facts")
    return _WITH_PROVIDER.add_columns(
        VERSION.label("version"), *(facts.c[name].label(f"fact_{name}") for name in _FACT_COLUMNS)
    ).select_from(COLLECTION.outerjoin(facts, true()))


_WITH_FACTS = _with_facts()


# INSERTs of collection rows by (columns, number of rows), with parameters ``r<n>_<column>``: built
# once each, so only parameters are bound per call (building one cost more CPU than running it).
_INSERTS: dict[tuple[tuple[str, ...], int], Any] = {}
_INSERT_SHAPES = 64


def _insert_rows(columns: tuple[str, ...], count: int) -> Any:
    stmt = _INSERTS.get((columns, count))
    if stmt is None:
        rows = [
            {c: bindparam(f"r{n}_{c}", type_=COLLECTION.c[c].type) for c in columns} for n in range(count)
        ]
        # Not a multi-row VALUES for several rows: SQLAlchemy compiles that on every execution.
        stmt = (
            insert(COLLECTION).values(rows[0])
            if count == 1
            else insert(COLLECTION).from_select(
                list(columns), union_all(*(select(*(b.label(c) for c, b in r.items())) for r in rows))
            )
        )
        if len(_INSERTS) >= _INSERT_SHAPES:
            _INSERTS.clear()
        _INSERTS[columns, count] = stmt
    return stmt


async def insert_collections(
    conn: AsyncConnection, rows: Sequence[Mapping[str, Any]], *, events: Sequence[dict[str, Any]] = ()
) -> None:
    """Insert collection rows (each with the same columns) and their events, in one statement on
    PostgreSQL."""
    if rows:
        columns = tuple(rows[0])
        params = {f"r{n}_{c}": row[c] for n, row in enumerate(rows) for c in columns}
        await execute_with_events(conn, _insert_rows(columns, len(rows)), events, params)


async def lock_collection(
    conn: AsyncConnection, collection_id: str, *, provider_id: str | None = None
) -> RowMapping | None:
    """The live collection, row-locked where the database has row locks (until the transaction ends).

    With ``provider_id`` the row also carries ``provider_enabled``: that provider row's is_enabled, or
    None when there is no live row (one round trip instead of two when a session is created).
    """
    with_provider = provider_id is not None
    if conn.dialect.name == "postgresql":
        stmt = _LOCKED[with_provider]
    else:
        stmt = _WITH_PROVIDER if with_provider else _COLLECTION
    params = {"id": collection_id, "provider_id": provider_id} if with_provider else {"id": collection_id}
    return (await conn.execute(stmt, params)).mappings().first()


async def collection_with_facts(
    conn: AsyncConnection, collection_id: str, *, provider_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The live collection with its ``version``, ``provider_enabled`` (as :func:`lock_collection`)
    and its recompute facts, in one unlocked read (one snapshot: the facts are the version's); None:
    no such collection. PostgreSQL. See :func:`write_if_unchanged`."""
    params = {"id": collection_id, "collection_id": collection_id, "provider_id": provider_id}
    rows = (await conn.execute(_WITH_FACTS, params)).mappings().all()
    if not rows:
        return None
    collection, _ = split_columns(rows[0], "fact_")
    facts = [f for _, f in (split_columns(r, "fact_") for r in rows) if f["kind"] is not None]
    return collection, facts


def session_fact(row: Mapping[str, Any]) -> dict[str, Any]:
    """The recompute fact of a session row (see :func:`recompute_facts`)."""
    return {
        "kind": "s",
        "session_id": row["id"],
        "status": row["status"],
        "currency_code": row["currency_code"],
        "a1": row["amount"],
        "a2": row["amount"],
    }


def payment_fact(row: Mapping[str, Any]) -> dict[str, Any]:
    """The recompute fact of a payment row (see :func:`recompute_facts`)."""
    return {
        "kind": "p",
        "session_id": row["payment_session_id"],
        "status": "live" if row["canceled_at"] is None else "canceled",
        "currency_code": row["currency_code"],
        "a1": row["captured_amount"],
        "a2": row["refunded_amount"],
    }


def facts_subquery() -> Any:
    """The facts of :func:`recompute_facts` (collection id bound as ``collection_id``), to select from."""
    return _RECOMPUTE_FACTS.subquery("facts")


async def write_then_read_facts(
    conn: AsyncConnection,
    collection_id: str,
    writes: Sequence[Any],
    as_written: Callable[[list[dict[str, Any]]], list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Run the INSERT/UPDATE statements ``writes``, then read the collection's recompute facts.

    PostgreSQL: one statement, the writes as data-modifying CTEs. Its read sees the rows as they were
    before the statement (CTEs share one snapshot), so ``as_written(facts)`` must give the facts back
    as the writes left them. Call it under the collection's lock, taken by an EARLIER statement of the
    transaction: a statement's snapshot predates the locks it waits for.
    """
    if conn.dialect.name != "postgresql":
        for write in writes:
            await conn.execute(write)
        return [dict(f) for f in await recompute_facts(conn, collection_id)]
    stmt = _RECOMPUTE_FACTS
    for n, write in enumerate(writes):
        stmt = stmt.add_cte(write.cte(f"write_{n}"))
    rows = (await conn.execute(stmt, {"collection_id": collection_id})).mappings()
    return as_written([dict(f) for f in rows])


async def recompute_facts(conn: AsyncConnection, collection_id: str) -> list[RowMapping]:
    """What a collection's status and amounts derive from, in one statement.

    Rows of kind ``s`` are live sessions (session_id, status, currency_code, amount in ``a1``); rows of
    kind ``p`` are live payments (their session_id, status ``live`` or ``canceled``, captured_amount in
    ``a1``, refunded_amount in ``a2``); rows of kind ``d`` are their disputes (payment id, dispute
    status, amount in ``a1``, the amount withdrawn now in ``a2``). Amounts stay exact: they are summed
    in Python, not in SQL (SQLite keeps money as text).
    """
    return list((await conn.execute(_RECOMPUTE_FACTS, {"collection_id": collection_id})).mappings())


async def write_recomputed(
    conn: AsyncConnection,
    collection_id: str,
    values: Mapping[str, Any],
    *,
    events: Sequence[dict[str, Any]] = (),
) -> None:
    """Write a recomputed collection's changed ``values`` (none: nothing moved) with ``events``.

    THE write that ends every change of a collection's sessions, payments, captures, refunds or
    disputes, and on PostgreSQL it ALWAYS writes a new version of the collection's row, also when no
    value moved: the optimistic steps (``collection_guard``) trust a collection whose row version is
    still the one they read to have the facts they read with it, which holds only if every committed
    change of those facts comes with a new version, in its transaction. (The test database checks
    that at every commit: tests/collection_versions.py.) SQLite serialises writers instead and has no
    optimistic step, so nothing is written there when nothing moved. On PostgreSQL the statement also
    inserts ``events`` and the transaction's others.
    """
    if values:
        await execute_with_events(conn, _UPDATE, events, {**values, "pk": collection_id})
    elif conn.dialect.name == "postgresql":
        await execute_with_events(conn, _NEW_VERSION, events, {"pk": collection_id})
    elif events:
        raise ValueError("events without a change")
