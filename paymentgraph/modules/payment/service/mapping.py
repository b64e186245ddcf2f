"""ORM rows and Core rows (keyed by column name) to DTOs; nested lists load with one statement a level."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from paymentgraph.db.base import Base
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.repository import collections as collection_repo
from paymentgraph.modules.payment.repository import common, payment_rows

# A row as a mapping keyed by column name: a Core RowMapping, a dict of the values just written, or
# an ORM row seen through RowColumns, so each DTO's fields are listed once.
Columns = Mapping[Any, Any]


class RowColumns(Mapping[str, Any]):
    """An ORM row read by column name (the ``metadata`` column is the ``metadata_`` attribute)."""

    __slots__ = ("_row",)

    def __init__(self, row: Base) -> None:
        self._row = row

    def __getitem__(self, name: str) -> Any:
        return getattr(self._row, common.attribute(name))

    def __iter__(self) -> Iterator[str]:
        return iter(self._row.__table__.columns.keys())

    def __len__(self) -> int:
        return len(self._row.__table__.columns)


def capture_dto(row: models.Capture) -> dto.Capture:
    return capture_from_columns(RowColumns(row))


def refund_dto(row: models.Refund) -> dto.Refund:
    return refund_from_columns(RowColumns(row))


def payment_dto(
    row: models.Payment, captures: Sequence[dto.Capture] = (), refunds: Sequence[dto.Refund] = ()
) -> dto.Payment:
    return payment_from_columns(RowColumns(row), captures, refunds)


def session_dto(row: models.PaymentSession) -> dto.PaymentSession:
    return session_from_columns(RowColumns(row))


def collection_dto(
    row: models.PaymentCollection,
    sessions: Sequence[dto.PaymentSession] = (),
    payments: Sequence[dto.Payment] = (),
) -> dto.PaymentCollection:
    return collection_from_columns(RowColumns(row), sessions, payments)


def refund_reason_dto(row: models.RefundReason) -> dto.RefundReason:
    return dto.RefundReason(
        id=row.id,
        label=row.label,
        code=row.code,
        description=row.description,
        metadata=row.metadata_,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def provider_dto(row: models.PaymentProvider) -> dto.PaymentProvider:
    return dto.PaymentProvider(id=row.id, is_enabled=row.is_enabled)


def account_holder_dto(row: models.AccountHolder) -> dto.AccountHolder:
    return dto.AccountHolder(
        id=row.id,
        provider_id=row.provider_id,
        external_id=row.external_id,
        email=row.email,
        data=row.data or {},
        metadata=row.metadata_,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def capture_from_columns(row: Columns) -> dto.Capture:
    return dto.Capture(
        id=row["id"],
        payment_id=row["payment_id"],
        amount=row["amount"],
        status=row["status"],
        created_by=row["created_by"],
        metadata=row["metadata"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def refund_from_columns(row: Columns) -> dto.Refund:
    return dto.Refund(
        id=row["id"],
        payment_id=row["payment_id"],
        amount=row["amount"],
        status=row["status"],
        refund_reason_id=row["refund_reason_id"],
        note=row["note"],
        created_by=row["created_by"],
        metadata=row["metadata"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def payment_from_columns(
    row: Columns, captures: Sequence[dto.Capture] = (), refunds: Sequence[dto.Refund] = ()
) -> dto.Payment:
    return dto.Payment(
        id=row["id"],
        payment_collection_id=row["payment_collection_id"],
        payment_session_id=row["payment_session_id"],
        amount=row["amount"],
        currency_code=row["currency_code"],
        provider_id=row["provider_id"],
        data=row["data"],
        metadata=row["metadata"],
        captured_at=row["captured_at"],
        canceled_at=row["canceled_at"],
        canceled_by=row.get("canceled_by"),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        captured_amount=row["captured_amount"],
        refunded_amount=row["refunded_amount"],
        captures=tuple(captures),
        refunds=tuple(refunds),
        authorization_expires_at=row.get("authorization_expires_at"),
    )


def dispute_dto(row: models.Dispute) -> dto.Dispute:
    return dto.Dispute(
        id=row.id,
        payment_id=row.payment_id,
        provider_id=row.provider_id,
        external_id=row.external_id,
        amount=row.amount,
        currency_code=row.currency_code,
        reason=row.reason,
        status=row.status,
        evidence_due_by=row.evidence_due_by,
        withdrawn_amount=row.withdrawn_amount,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def session_from_columns(row: Columns) -> dto.PaymentSession:
    return dto.PaymentSession(
        id=row["id"],
        payment_collection_id=row["payment_collection_id"],
        currency_code=row["currency_code"],
        amount=row["amount"],
        provider_id=row["provider_id"],
        data=row["data"] or {},
        context=row["context"],
        status=row["status"],
        authorized_at=row["authorized_at"],
        metadata=row["metadata"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def collection_from_columns(
    row: Columns,
    sessions: Sequence[dto.PaymentSession] = (),
    payments: Sequence[dto.Payment] = (),
) -> dto.PaymentCollection:
    return dto.PaymentCollection(
        id=row["id"],
        currency_code=row["currency_code"],
        amount=row["amount"],
        status=row["status"],
        completed_at=row["completed_at"],
        metadata=row["metadata"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        authorized_amount=row["authorized_amount"],
        captured_amount=row["captured_amount"],
        refunded_amount=row["refunded_amount"],
        canceled_at=row["canceled_at"],
        payment_sessions=tuple(sessions),
        payments=tuple(payments),
    )


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
        captures[c["payment_id"]].append(capture_from_columns(c))
    for r in refund_rows:
        refunds[r["payment_id"]].append(refund_from_columns(r))
    return captures, refunds


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
