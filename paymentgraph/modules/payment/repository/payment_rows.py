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
    bindparam,
    insert,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from paymentgraph.modules.payment.models import Capture, Payment, Refund

PAYMENT = cast(Table, Payment.__table__)
CAPTURE = cast(Table, Capture.__table__)
REFUND = cast(Table, Refund.__table__)

_PAYMENT = select(PAYMENT).where(PAYMENT.c.id == bindparam("id"), PAYMENT.c.deleted_at.is_(None))
_PAYMENT_LOCKED = _PAYMENT.with_for_update(key_share=True)
_CAPTURES_FOR_LIMIT = select(
    CAPTURE.c.id, CAPTURE.c.amount, CAPTURE.c.status, CAPTURE.c.idempotency_key
).where(CAPTURE.c.payment_id == bindparam("payment_id"), CAPTURE.c.deleted_at.is_(None))
_INSERT_PAYMENT = insert(PAYMENT)
_INSERT_CAPTURE = insert(CAPTURE)
# Without .values(): the SET clause is the columns of the parameters given ("pk" is the key).
_UPDATE_PAYMENT = update(PAYMENT).where(PAYMENT.c.id == bindparam("pk"))
_SETTLE_CAPTURE = (
    update(CAPTURE)
    .where(CAPTURE.c.id == bindparam("pk"), CAPTURE.c.deleted_at.is_(None), CAPTURE.c.status == "pending")
    .returning(CAPTURE.c.amount, CAPTURE.c.created_by)
)
_CAPTURE_STATUS = select(CAPTURE.c.status).where(
    CAPTURE.c.id == bindparam("id"), CAPTURE.c.deleted_at.is_(None)
)


def _captures_and_refunds() -> Any:
    ids: Any = bindparam("ids", expanding=True)
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
    ).where(c.c.payment_id.in_(ids), c.c.deleted_at.is_(None))
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
    ).where(r.c.payment_id.in_(ids), r.c.deleted_at.is_(None))
    both = union_all(captures, refunds)
    return both.order_by(both.selected_columns.created_at, both.selected_columns.id)


_CAPTURES_AND_REFUNDS = _captures_and_refunds()


async def lock_payment(conn: AsyncConnection, payment_id: str) -> RowMapping | None:
    """The live payment, row-locked where the database has row locks."""
    stmt = _PAYMENT_LOCKED if conn.dialect.name == "postgresql" else _PAYMENT
    return (await conn.execute(stmt, {"id": payment_id})).mappings().first()


async def captures_for_limit(conn: AsyncConnection, payment_id: str) -> list[RowMapping]:
    """The payment's live captures, pending ones included: id, amount, status, idempotency_key."""
    return list((await conn.execute(_CAPTURES_FOR_LIMIT, {"payment_id": payment_id})).mappings())


async def insert_payment(conn: AsyncConnection, row: Mapping[str, Any]) -> None:
    """Insert one payment row as given (column defaults fill what is left out)."""
    await conn.execute(_INSERT_PAYMENT, dict(row))


async def insert_capture(conn: AsyncConnection, row: Mapping[str, Any]) -> None:
    """Insert one capture row as given (column defaults fill what is left out)."""
    await conn.execute(_INSERT_CAPTURE, dict(row))


async def update_payment(conn: AsyncConnection, payment_id: str, values: Mapping[str, Any]) -> None:
    await conn.execute(_UPDATE_PAYMENT, {**values, "pk": payment_id})


async def settle_capture(
    conn: AsyncConnection, capture_id: str, values: Mapping[str, Any]
) -> RowMapping | None:
    """Write ``values`` to a live pending capture; its amount and created_by, or None if not pending."""
    return (await conn.execute(_SETTLE_CAPTURE, {**values, "pk": capture_id})).mappings().first()


async def capture_status(conn: AsyncConnection, capture_id: str) -> str | None:
    return cast(str | None, (await conn.execute(_CAPTURE_STATUS, {"id": capture_id})).scalar())


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
