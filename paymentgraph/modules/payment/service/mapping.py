"""ORM rows and Core rows (keyed by column name) to DTOs; nested lists load with one statement a level."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from paymentgraph.db.dto import dto_from_row
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.repository import collections as collection_repo
from paymentgraph.modules.payment.repository import payment_rows

# A row as a mapping keyed by column name: a Core RowMapping or a dict of the values just written.
Columns = Mapping[Any, Any]

# Each DTO is read off its row by its own field names (db/dto.py); ORM rows and column mappings alike.


def capture_dto(row: models.Capture | Columns) -> dto.Capture:
    return dto_from_row(dto.Capture, row)


def refund_dto(row: models.Refund | Columns) -> dto.Refund:
    return dto_from_row(dto.Refund, row)


def payment_dto(
    row: models.Payment | Columns, captures: Sequence[dto.Capture] = (), refunds: Sequence[dto.Refund] = ()
) -> dto.Payment:
    return dto_from_row(dto.Payment, row, captures=tuple(captures), refunds=tuple(refunds))


def session_dto(row: models.PaymentSession | Columns) -> dto.PaymentSession:
    data = row.data if isinstance(row, models.PaymentSession) else row["data"]
    return dto_from_row(dto.PaymentSession, row, data=data or {})  # {} before the insert's default


def collection_dto(
    row: models.PaymentCollection | Columns,
    sessions: Sequence[dto.PaymentSession] = (),
    payments: Sequence[dto.Payment] = (),
) -> dto.PaymentCollection:
    return dto_from_row(
        dto.PaymentCollection, row, payment_sessions=tuple(sessions), payments=tuple(payments)
    )


def refund_reason_dto(row: models.RefundReason) -> dto.RefundReason:
    return dto_from_row(dto.RefundReason, row)


def provider_dto(row: models.PaymentProvider) -> dto.PaymentProvider:
    return dto_from_row(dto.PaymentProvider, row)


def account_holder_dto(row: models.AccountHolder) -> dto.AccountHolder:
    return dto_from_row(dto.AccountHolder, row, data=row.data or {})  # {} before the insert's default


def dispute_dto(row: models.Dispute) -> dto.Dispute:
    return dto_from_row(dto.Dispute, row)


async def load_payments(session: AsyncSession, rows: Sequence[models.Payment]) -> list[dto.Payment]:
    """Payment DTOs with their captures and refunds (one statement for any number of payments)."""
    if not rows:
        return []
    captures, refunds = await payment_children(await session.connection(), [r.id for r in rows])
    return [payment_dto(r, captures[r.id], refunds[r.id]) for r in rows]


async def payment_children(
    conn: AsyncConnection, payment_ids: Sequence[str]
) -> tuple[dict[str, list[dto.Capture]], dict[str, list[dto.Refund]]]:
    """Capture and refund DTOs of the payments, by payment id (one statement)."""
    captures: dict[str, list[dto.Capture]] = defaultdict(list)
    refunds: dict[str, list[dto.Refund]] = defaultdict(list)
    capture_rows, refund_rows = await payment_rows.captures_and_refunds(conn, payment_ids)
    for c in capture_rows:
        captures[c["payment_id"]].append(capture_dto(c))
    for r in refund_rows:
        refunds[r["payment_id"]].append(refund_dto(r))
    return captures, refunds


async def payment_with_children(conn: AsyncConnection, payment: Columns) -> dto.Payment:
    """The DTO of a payment read as columns, with its captures and refunds (one statement)."""
    captures, refunds = await payment_children(conn, [payment["id"]])
    return payment_dto(payment, captures[payment["id"]], refunds[payment["id"]])


async def load_collections(
    session: AsyncSession, rows: Sequence[models.PaymentCollection]
) -> list[dto.PaymentCollection]:
    """Collection DTOs with their sessions and payments (and the payments' captures and refunds)."""
    ids = [r.id for r in rows]
    sessions: dict[str, list[dto.PaymentSession]] = defaultdict(list)
    payments: dict[str, list[dto.Payment]] = defaultdict(list)
    for s in await collection_repo.sessions_of(session, ids):
        sessions[s.payment_collection_id].append(session_dto(s))
    for p in await load_payments(session, await collection_repo.payments_of(session, ids)):
        payments[p.payment_collection_id].append(p)
    return [collection_dto(r, sessions[r.id], payments[r.id]) for r in rows]
