"""Core SQL for payment sessions on the payment flow's hot path (rows as mappings by column name).

The statements are built once with bound parameters (see ``payment_rows``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import (
    RowMapping,
    String,
    Table,
    and_,
    bindparam,
    insert,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncConnection

from paymentgraph.modules.payment.models import Payment, PaymentSession
from paymentgraph.modules.payment.repository.collections import (
    COLLECTION,
    VERSION,
    collection_columns,
    payment_fact,
    recompute_facts_of,
    session_fact,
    write_then_read_facts,
)
from paymentgraph.modules.payment.repository.common import split_columns

SESSION = cast(Table, PaymentSession.__table__)
_PAYMENT = cast(Table, Payment.__table__)

_INSERT = insert(SESSION)
_SESSION = select(SESSION).where(SESSION.c.id == bindparam("id"), SESSION.c.deleted_at.is_(None))
_SESSION_LOCKED = _SESSION.with_for_update(key_share=True)
_WITH_PAYMENT = (
    select(SESSION, _PAYMENT.c.id.label("live_payment_id"))
    .select_from(
        SESSION.outerjoin(
            _PAYMENT, and_(_PAYMENT.c.payment_session_id == SESSION.c.id, _PAYMENT.c.deleted_at.is_(None))
        )
    )
    .where(SESSION.c.id == bindparam("id"), SESSION.c.deleted_at.is_(None))
    .limit(1)
)
# The session with its live payment's id and its collection (``collection_*``), both rows locked in
# that order (FOR ... OF locks in the order named).
_FOR_AUTHORIZATION = (
    select(
        SESSION,
        select(_PAYMENT.c.id)
        .where(_PAYMENT.c.payment_session_id == SESSION.c.id, _PAYMENT.c.deleted_at.is_(None))
        .limit(1)
        .scalar_subquery()
        .label("live_payment_id"),
        *collection_columns(),
    )
    .select_from(SESSION.join(COLLECTION, COLLECTION.c.id == SESSION.c.payment_collection_id))
    .where(SESSION.c.id == bindparam("id"), SESSION.c.deleted_at.is_(None))
)
_SESSION_VERSION: Any = sql_cast(literal_column("payment_session.xmin"), String())


def _authorization_read() -> Any:
    own = SESSION.alias("own_session")
    facts = recompute_facts_of(
        select(own.c.payment_collection_id).where(own.c.id == bindparam("id")).scalar_subquery()
    ).subquery("facts")
    return (
        select(
            *_FOR_AUTHORIZATION.selected_columns,
            _SESSION_VERSION.label("version"),
            VERSION.label("collection_version"),
            *(c.label(f"fact_{c.name}") for c in facts.c),
        )
        .select_from(
            SESSION.join(COLLECTION, COLLECTION.c.id == SESSION.c.payment_collection_id).outerjoin(
                facts, true()
            )
        )
        .where(SESSION.c.id == bindparam("id"), SESSION.c.deleted_at.is_(None))
    )


# What an authorization decides on (PostgreSQL, unlocked): the session as _FOR_AUTHORIZATION with its
# ``version``, its collection's ``collection_version`` and the collection's facts (``fact_*``).
_AUTHORIZATION_READ = _authorization_read()
_FOR_AUTHORIZATION_LOCKED = _FOR_AUTHORIZATION.with_for_update(of=[SESSION, COLLECTION], key_share=True)
# Without .values(): the SET clause is the columns of the parameters given ("pk" is the key).
_UPDATE = update(SESSION).where(SESSION.c.id == bindparam("pk"))
# The session statuses its collection's recomputation tells apart from the others (recompute.py).
COUNTED_STATUSES = ("authorized", "canceled")
_UPDATE_UNCOUNTED = (
    update(SESSION)
    .where(
        SESSION.c.id == bindparam("pk"),
        SESSION.c.deleted_at.is_(None),
        SESSION.c.status.not_in(COUNTED_STATUSES),
    )
    .returning(*SESSION.c)
)


async def insert_session(conn: AsyncConnection, row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Insert one session row as given; returns its collection's recompute facts, the session included
    (one statement on PostgreSQL: call it under the collection's lock, see ``write_then_read_facts``)."""

    def as_written(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [*facts, session_fact(row)]

    return await write_then_read_facts(
        conn, row["payment_collection_id"], [_INSERT.values(**row)], as_written
    )


async def lock_session(conn: AsyncConnection, session_id: str) -> RowMapping | None:
    """The live session, row-locked where the database has row locks."""
    stmt = _SESSION_LOCKED if conn.dialect.name == "postgresql" else _SESSION
    return (await conn.execute(stmt, {"id": session_id})).mappings().first()


async def session_with_payment(conn: AsyncConnection, session_id: str) -> RowMapping | None:
    """The live session with ``live_payment_id``: the id of its live payment, or None (one statement)."""
    return (await conn.execute(_WITH_PAYMENT, {"id": session_id})).mappings().first()


async def update_session(conn: AsyncConnection, session_id: str, values: Mapping[str, Any]) -> None:
    await conn.execute(_UPDATE, {**values, "pk": session_id})


async def update_uncounted_session(
    conn: AsyncConnection, session_id: str, values: Mapping[str, Any]
) -> RowMapping | None:
    """Write ``values`` to the live session unless its status is one of ``COUNTED_STATUSES``; the
    updated row, or None if not.

    One atomic statement: when it returns a row, the session's status was not counted before and (the
    caller ensures: no status in ``values`` among them, no amount or currency) is not after, so nothing
    its collection's numbers derive from has moved, and its collection's row needs no new version.
    """
    return (await conn.execute(_UPDATE_UNCOUNTED, {**values, "pk": session_id})).mappings().first()


async def session_for_authorization(
    conn: AsyncConnection, session_id: str
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The live session (with ``live_payment_id``) and its collection, both row-locked in that order.

    One statement. On PostgreSQL ``live_payment_id`` is read as of the statement's start: when it waited
    for the session's lock, a payment the lock holder just recorded may be missing; the unique
    live-payment-per-session index refuses a second one then (the caller's IntegrityError path).
    """
    stmt = _FOR_AUTHORIZATION_LOCKED if conn.dialect.name == "postgresql" else _FOR_AUTHORIZATION
    row = (await conn.execute(stmt, {"id": session_id})).mappings().first()
    return None if row is None else split_columns(row, "collection_")


async def authorize_session(
    conn: AsyncConnection, session_id: str, values: Mapping[str, Any], payment: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Write ``values`` to the session and insert its ``payment``; returns the collection's recompute
    facts as they are then (one statement on PostgreSQL: call it under the collection's lock)."""

    def as_written(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        written = [
            {**f, "status": values.get("status", f["status"])}
            if f["kind"] == "s" and f["session_id"] == session_id
            else f
            for f in facts
        ]
        return [*written, payment_fact(payment)]

    writes = [
        update(SESSION).where(SESSION.c.id == session_id).values(**values),
        insert(_PAYMENT).values(**payment),
    ]
    return await write_then_read_facts(conn, payment["payment_collection_id"], writes, as_written)


async def session_for_guarded_authorization(
    conn: AsyncConnection, session_id: str
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]] | None:
    """The live session (with ``live_payment_id`` and its row ``version``), its collection (with
    ``version``) and the collection's recompute facts, in one unlocked read (one snapshot); None: no
    such session. PostgreSQL. See ``collection_guard.write_if_unchanged`` and :func:`authorization_guard`."""
    rows = (await conn.execute(_AUTHORIZATION_READ, {"id": session_id})).mappings().all()
    if not rows:
        return None
    row, collection = split_columns(rows[0], "collection_")
    row, _ = split_columns(row, "fact_")
    facts = [f for _, f in (split_columns(r, "fact_") for r in rows) if f["kind"] is not None]
    return row, collection, facts


def authorization_guard() -> Any:
    """The guard of ``collection_guard.write_if_unchanged`` for an authorization decided on a session and
    its collection at the versions read (``guard_session_id``, ``guard_session_version``,
    ``guard_collection_version``): both locked, the session first, as the locked path does."""
    return (
        select(SESSION.c.id)
        .select_from(SESSION.join(COLLECTION, COLLECTION.c.id == SESSION.c.payment_collection_id))
        .where(
            SESSION.c.id == bindparam("guard_session_id"),
            SESSION.c.deleted_at.is_(None),
            bindparam("guard_session_version") == _SESSION_VERSION,
            COLLECTION.c.deleted_at.is_(None),
            bindparam("guard_collection_version") == VERSION,
        )
        .with_for_update(of=[SESSION, COLLECTION], key_share=True)
    )
