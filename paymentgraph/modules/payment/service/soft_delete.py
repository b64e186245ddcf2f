"""Medusa's ``softDelete<X>s`` and ``restore<X>s`` for payment collections, refund reasons and account
holders.

A collection's soft delete cascades as Medusa declares it: its sessions and payments, and their captures
and refunds, all with the same ``deleted_at``. Restoring brings back the collection and exactly the
children deleted with it (same ``deleted_at``), not a session removed earlier on its own. Both return
the ids touched under their linkable keys (``{"payment_collection_id": [...], "payment_session_id":
[...], ...}``), the shape ``link.delete`` takes. Money is not moved: no provider is
called, and a soft-deleted collection simply stops counting (in an order's totals, for instance).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.base import SoftDeleteMixin
from paymentgraph.db.session import write_transaction
from paymentgraph.db.types import utcnow
from paymentgraph.errors import InvalidData, not_found
from paymentgraph.modules.payment import models

_KEYS = {
    models.PaymentCollection: "payment_collection_id",
    models.PaymentSession: "payment_session_id",
    models.Payment: "payment_id",
    models.Capture: "capture_id",
    models.Refund: "refund_id",
    models.RefundReason: "refund_reason_id",
    models.AccountHolder: "account_holder_id",
}


def _id_list(ids: str | Sequence[str]) -> list[str]:
    id_list = [ids] if isinstance(ids, str) else list(ids)
    if not id_list or not all(isinstance(i, str) and i for i in id_list):
        raise InvalidData("ids must be a non-empty id or list of ids", field="ids")
    return list(dict.fromkeys(id_list))


async def _rows(
    session: AsyncSession, model: Any, column: Any, values: Sequence[str], *, deleted: bool | datetime
) -> list[Any]:
    """Rows of ``model`` whose ``column`` is in ``values``: live ones (``deleted`` False), deleted ones
    (True), or those deleted at exactly that time (a datetime)."""
    if not values:
        return []
    stmt = select(model).where(column.in_(list(values)))
    if deleted is False:
        stmt = stmt.where(model.deleted_at.is_(None))
    elif deleted is True:
        stmt = stmt.where(model.deleted_at.is_not(None))
    else:
        stmt = stmt.where(model.deleted_at == deleted)
    return list((await session.scalars(stmt)).all())


def _touched(rows: Sequence[SoftDeleteMixin]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in rows:
        out.setdefault(_KEYS[type(row)], []).append(row.id)  # type: ignore[index, attr-defined]
    return out


class SoftDeletionService:
    """Soft delete and restore, with a collection's children following it."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def soft_delete_payment_collections(self, ids: str | Sequence[str]) -> dict[str, list[str]]:
        """Soft-delete collections with their sessions, payments, captures and refunds."""
        wanted = _id_list(ids)
        async with write_transaction(self._sessionmaker) as session:
            collections = await self._require(session, models.PaymentCollection, wanted, deleted=False)
            rows = [*collections, *await self._collection_children(session, wanted, deleted=False)]
            now = utcnow()
            for row in rows:
                row.deleted_at = now
            await session.flush()
            return _touched(rows)

    async def restore_payment_collections(self, ids: str | Sequence[str]) -> dict[str, list[str]]:
        """Restore soft-deleted collections and what was deleted with them."""
        wanted = _id_list(ids)
        async with write_transaction(self._sessionmaker) as session:
            collections = await self._require(session, models.PaymentCollection, wanted, deleted=True)
            rows: list[Any] = []
            for collection in collections:
                rows.append(collection)
                rows += await self._collection_children(
                    session, [collection.id], deleted=collection.deleted_at
                )
            for row in rows:
                row.deleted_at = None
            await session.flush()
            return _touched(rows)

    async def soft_delete_refund_reasons(self, ids: str | Sequence[str]) -> dict[str, list[str]]:
        """Soft-delete refund reasons (refunds keep naming them)."""
        return await self._set_deleted(models.RefundReason, _id_list(ids), delete=True)

    async def restore_refund_reasons(self, ids: str | Sequence[str]) -> dict[str, list[str]]:
        return await self._set_deleted(models.RefundReason, _id_list(ids), delete=False)

    async def soft_delete_account_holders(self, ids: str | Sequence[str]) -> dict[str, list[str]]:
        """Soft-delete account holders here only (``delete_account_holder`` also deletes at the provider)."""
        return await self._set_deleted(models.AccountHolder, _id_list(ids), delete=True)

    async def restore_account_holders(self, ids: str | Sequence[str]) -> dict[str, list[str]]:
        return await self._set_deleted(models.AccountHolder, _id_list(ids), delete=False)

    async def _set_deleted(self, model: Any, ids: list[str], *, delete: bool) -> dict[str, list[str]]:
        async with write_transaction(self._sessionmaker) as session:
            rows = await self._require(session, model, ids, deleted=not delete)
            now = utcnow() if delete else None
            for row in rows:
                row.deleted_at = now
            await session.flush()
            return _touched(rows)

    @staticmethod
    async def _require(session: AsyncSession, model: Any, ids: list[str], *, deleted: bool) -> list[Any]:
        """The rows of ``ids`` in the expected state (live or deleted); NOT_FOUND names the first other."""
        rows = await _rows(session, model, model.id, ids, deleted=deleted)
        missing = sorted(set(ids) - {row.id for row in rows})
        if missing:
            raise not_found(model.__name__, missing[0])
        return rows

    @staticmethod
    async def _collection_children(
        session: AsyncSession, collection_ids: list[str], *, deleted: bool | datetime | None
    ) -> list[Any]:
        state: bool | datetime = False if deleted is None else deleted
        sessions = await _rows(
            session, models.PaymentSession, models.PaymentSession.payment_collection_id, collection_ids,
            deleted=state,
        )  # fmt: skip
        payments = await _rows(
            session, models.Payment, models.Payment.payment_collection_id, collection_ids, deleted=state
        )
        payment_ids = [p.id for p in payments]
        captures = await _rows(session, models.Capture, models.Capture.payment_id, payment_ids, deleted=state)
        refunds = await _rows(session, models.Refund, models.Refund.payment_id, payment_ids, deleted=state)
        return [*sessions, *payments, *captures, *refunds]
