"""Core SQL for payments, captures and refunds on the payment flow's hot path.

Rows come back as mappings keyed by column name. The statements are built once, with bound
parameters, so each call only binds values (building them per call cost as much CPU as running them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import (
    RowMapping,
    String,
    Table,
    and_,
    bindparam,
    exists,
    insert,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncConnection

from paymentgraph.db.types import Money, UTCDateTime
from paymentgraph.modules.payment.models import Capture, Payment, Refund
from paymentgraph.modules.payment.repository.collections import (
    COLLECTION,
    collection_columns,
    facts_subquery,
    payment_fact,
    recompute_facts,
)
from paymentgraph.modules.payment.repository.common import split_columns

PAYMENT = cast(Table, Payment.__table__)
CAPTURE = cast(Table, Capture.__table__)
REFUND = cast(Table, Refund.__table__)

_PAYMENT = select(PAYMENT).where(PAYMENT.c.id == bindparam("id"), PAYMENT.c.deleted_at.is_(None))
_PAYMENT_LOCKED = _PAYMENT.with_for_update(key_share=True)
_CAPTURES_FOR_LIMIT = select(
    CAPTURE.c.id, CAPTURE.c.amount, CAPTURE.c.status, CAPTURE.c.idempotency_key
).where(CAPTURE.c.payment_id == bindparam("payment_id"), CAPTURE.c.deleted_at.is_(None))
# A new row version of a payment without a new value: both columns given, so that none changes (updated_at
# would otherwise take its onupdate value).
SAME_VALUES = {"captured_amount": PAYMENT.c.captured_amount, "updated_at": PAYMENT.c.updated_at}
_NEW_VERSION = update(PAYMENT).where(PAYMENT.c.id == bindparam("pk")).values(SAME_VALUES)
_INSERT_CAPTURE = insert(CAPTURE)
# Without .values(): the SET clause is the columns of the parameters given ("pk" is the key).
_UPDATE_PAYMENT = update(PAYMENT).where(PAYMENT.c.id == bindparam("pk"))


# The payment with its capture ``capture_id`` (``capture_*``, none: no such live capture) and its
# collection (``collection_*``), both rows locked in that order (FOR ... OF locks in the order named).
_CAPTURE_COLUMNS = (CAPTURE.c.amount, CAPTURE.c.status, CAPTURE.c.created_by)
_PAYMENT_FOR_CAPTURE = (
    select(
        PAYMENT,
        *(c.label(f"capture_{c.name}") for c in _CAPTURE_COLUMNS),
        *collection_columns(),
    )
    .select_from(
        PAYMENT.join(COLLECTION, COLLECTION.c.id == PAYMENT.c.payment_collection_id).outerjoin(
            CAPTURE,
            and_(
                CAPTURE.c.id == bindparam("capture_id"),
                CAPTURE.c.payment_id == PAYMENT.c.id,
                CAPTURE.c.deleted_at.is_(None),
            ),
        )
    )
    .where(PAYMENT.c.id == bindparam("id"), PAYMENT.c.deleted_at.is_(None))
)
_PAYMENT_FOR_CAPTURE_LOCKED = _PAYMENT_FOR_CAPTURE.with_for_update(of=[PAYMENT, COLLECTION], key_share=True)


def children_of(payment_ids: Any, *extra: Any) -> tuple[Any, Any]:
    """Selects of the captures and of the refunds of ``payment_ids`` (one column list for both, then
    the ``extra`` columns)."""
    c, r = CAPTURE, REFUND
    captures = select(
        literal_column("'c'").label("kind"),
        c.c.id,
        c.c.payment_id,
        c.c.amount,
        c.c.status,
        type_coerce(null(), String()).label("refund_reason_id"),
        type_coerce(null(), String()).label("note"),
        c.c.created_by,
        c.c.metadata,
        c.c.created_at,
        c.c.updated_at,
        *extra,
    ).where(c.c.payment_id.in_(payment_ids), c.c.deleted_at.is_(None))
    refunds = select(
        literal_column("'r'"),
        r.c.id,
        r.c.payment_id,
        r.c.amount,
        r.c.status,
        r.c.refund_reason_id,
        r.c.note,
        r.c.created_by,
        r.c.metadata,
        r.c.created_at,
        r.c.updated_at,
        *extra,
    ).where(r.c.payment_id.in_(payment_ids), r.c.deleted_at.is_(None))
    return captures, refunds


def _captures_and_refunds() -> Any:
    both = union_all(*children_of(bindparam("ids", expanding=True)))
    return both.order_by(both.selected_columns.created_at, both.selected_columns.id)


_CAPTURES_AND_REFUNDS = _captures_and_refunds()


async def lock_payment(conn: AsyncConnection, payment_id: str) -> RowMapping | None:
    """The live payment, row-locked where the database has row locks."""
    stmt = _PAYMENT_LOCKED if conn.dialect.name == "postgresql" else _PAYMENT
    return (await conn.execute(stmt, {"id": payment_id})).mappings().first()


async def captures_for_limit(conn: AsyncConnection, payment_id: str) -> list[RowMapping]:
    """The payment's live captures, pending ones included: id, amount, status, idempotency_key."""
    return list((await conn.execute(_CAPTURES_FOR_LIMIT, {"payment_id": payment_id})).mappings())


async def new_payment_version(conn: AsyncConnection, payment_id: str) -> None:
    """Give the (locked) payment a new row version without changing a value (PostgreSQL; a no-op on
    SQLite, which has no optimistic reservation). A capture written under the lock must come with one:
    :func:`reserve_capture_if_unchanged` trusts a payment still at the version it read, and a row lock
    alone (SELECT ... FOR NO KEY UPDATE) leaves the version as it was."""
    if conn.dialect.name == "postgresql":
        await conn.execute(_NEW_VERSION, {"pk": payment_id})


async def insert_capture(conn: AsyncConnection, row: Mapping[str, Any]) -> None:
    """Insert one capture row as given (column defaults fill what is left out)."""
    await conn.execute(_INSERT_CAPTURE, dict(row))


async def update_payment(conn: AsyncConnection, payment_id: str, values: Mapping[str, Any]) -> None:
    await conn.execute(_UPDATE_PAYMENT, {**values, "pk": payment_id})


async def captures_and_refunds(
    conn: AsyncConnection, payment_ids: Sequence[str]
) -> tuple[list[RowMapping], list[RowMapping]]:
    """The payments' live captures and refunds, each oldest first, in one statement."""
    if not payment_ids:
        return [], []
    found: dict[str, list[RowMapping]] = {"c": [], "r": []}
    for row in (await conn.execute(_CAPTURES_AND_REFUNDS, {"ids": list(payment_ids)})).mappings():
        found[row["kind"]].append(row)
    return found["c"], found["r"]


async def payment_for_capture(
    conn: AsyncConnection, payment_id: str, capture_id: str
) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any]] | None:
    """The live payment, its capture ``capture_id`` (amount, status, created_by; None: no such live
    capture) and its collection, the payment and the collection row-locked in that order; None: no
    payment. One statement."""
    stmt = _PAYMENT_FOR_CAPTURE_LOCKED if conn.dialect.name == "postgresql" else _PAYMENT_FOR_CAPTURE
    row = (await conn.execute(stmt, {"id": payment_id, "capture_id": capture_id})).mappings().first()
    if row is None:
        return None
    payment, rest = split_columns(row, "collection_")
    payment, capture = split_columns(payment, "capture_")
    return payment, (capture if capture["status"] is not None else None), rest


async def settle_capture_and_pay(
    conn: AsyncConnection,
    capture_id: str,
    capture_values: Mapping[str, Any],
    payment: Mapping[str, Any],
    payment_values: Mapping[str, Any],
) -> tuple[Mapping[Any, Any] | None, list[Any], list[Any], list[dict[str, Any]]]:
    """Mark the live pending capture with ``capture_values`` and, only if it was pending, write
    ``payment_values`` to its ``payment``; returns the settled capture (id, amount; None: it was not
    pending, nothing written), the payment's captures and refunds, and its collection's recompute
    facts, all as they are after the writes.

    PostgreSQL: one statement, the two UPDATEs as data-modifying CTEs. Its reads see the rows as they
    were before the statement (one snapshot), so what it wrote is applied to them here; call it under
    the collection's lock taken by an earlier statement (see ``write_then_read_facts``).
    """
    settle = (
        update(CAPTURE)
        .where(CAPTURE.c.id == capture_id, CAPTURE.c.deleted_at.is_(None), CAPTURE.c.status == "pending")
        .values(**capture_values)
        .returning(CAPTURE.c.id, CAPTURE.c.amount)
    )
    payment_id, collection_id = payment["id"], payment["payment_collection_id"]
    if conn.dialect.name != "postgresql":
        settled = (await conn.execute(settle)).mappings().first()
        if settled is not None:
            await update_payment(conn, payment_id, payment_values)
        captures, refunds = await captures_and_refunds(conn, [payment_id])
        read = [dict(f) for f in await recompute_facts(conn, collection_id)]
        return settled, list(captures), list(refunds), read
    settled_cte = settle.cte("settled")
    paid = (
        update(PAYMENT)
        .where(PAYMENT.c.id == payment_id, exists(select(settled_cte.c.id)))
        .values(**payment_values)
        .cte("paid")
    )
    # One column list for the captures, the refunds, the settled capture and the facts: the children's,
    # then the facts' currency_code and second amount.
    no_text, no_time = type_coerce(null(), String()), type_coerce(null(), UTCDateTime())
    no_money = sql_cast(null(), Money())  # typed: PostgreSQL takes two untyped NULLs in a UNION as text
    captures, refunds = children_of([payment_id], no_text.label("currency_code"), no_money.label("a2"))
    settled_row = select(
        literal_column("'settled'"), settled_cte.c.id, no_text, settled_cte.c.amount, no_text,
        no_text, no_text, no_text, null(), no_time, no_time, no_text, no_money,
    )  # fmt: skip
    f = facts_subquery()
    fact_rows = select(
        f.c.kind, f.c.session_id, no_text, f.c.a1, f.c.status,
        no_text, no_text, no_text, null(), no_time, no_time, f.c.currency_code, f.c.a2,
    )  # fmt: skip
    stmt = union_all(captures, refunds, settled_row, fact_rows).add_cte(paid)
    found: dict[str, list[Any]] = {"c": [], "r": [], "settled": []}
    facts: list[dict[str, Any]] = []
    for row in (await conn.execute(stmt, {"collection_id": collection_id})).mappings():
        if row["kind"] in found:
            found[row["kind"]].append(row)
        else:
            facts.append(
                {
                    "kind": row["kind"],
                    "session_id": row["id"],
                    "status": row["status"],
                    "currency_code": row["currency_code"],
                    "a1": row["amount"],
                    "a2": row["a2"],
                }
            )
    settled = found["settled"][0] if found["settled"] else None
    if settled is not None:
        # What the statement wrote, applied to what it read.
        found["c"] = [{**c, **capture_values} if c["id"] == settled["id"] else c for c in found["c"]]
        facts = [
            payment_fact({**payment, **payment_values})
            if f["kind"] == "p" and f["session_id"] == payment["payment_session_id"]
            else f
            for f in facts
        ]
    return settled, sorted(found["c"], key=oldest_first), sorted(found["r"], key=oldest_first), facts


def oldest_first(row: Mapping[Any, Any]) -> tuple[Any, str]:
    return row["created_at"], row["id"]
