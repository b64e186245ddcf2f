"""Payment collections: create, update, delete, complete, retrieve, list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, overload

from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.db.types import utcnow
from paymentgraph.errors import InvalidData, NotAllowed, not_found
from paymentgraph.events.outbox import event_row, record_event, record_events
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.entities import COLLECTION_STATUSES
from paymentgraph.modules.payment.repository import collections as collection_repo
from paymentgraph.modules.payment.repository import common
from paymentgraph.modules.payment.service.database import Database
from paymentgraph.modules.payment.service.inputs import require_dict
from paymentgraph.modules.payment.service.listing import Filters, list_and_count
from paymentgraph.modules.payment.service.mapping import collection_dto, load_collections
from paymentgraph.modules.payment.service.recompute import recompute_collection
from paymentgraph.money import normalize_currency, parse_amount

_UPDATABLE = {"currency_code", "amount", "status", "metadata"}
ZERO = Decimal(0)


def _collection_values(data: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise InvalidData("A payment collection must be given as an object", field="data")
    if data.get("currency_code") is None:
        raise InvalidData(
            "Value for PaymentCollection.currency_code is required, 'undefined' found", field="currency_code"
        )
    if data.get("amount") is None:
        raise InvalidData("Value for PaymentCollection.amount is required, 'undefined' found", field="amount")
    currency = normalize_currency(data["currency_code"])
    return {
        "id": data.get("id") or new_id("pay_col"),
        "currency_code": currency,
        "amount": parse_amount(data["amount"], currency),
        "metadata": require_dict(data.get("metadata"), "metadata") or None,
        "status": "not_paid",
    }


async def _refuse_while_money_is_held(
    session: AsyncSession, collection: models.PaymentCollection, action: str
) -> None:
    """NOT_ALLOWED, saying why, when the (locked) collection has money authorized, being authorized or
    captured: its amount and currency are what the provider was asked for, and its rows are the ledger."""
    facts = await collection_repo.recompute_facts(await session.connection(), collection.id)
    captured = sum((f["a1"] for f in facts if f["kind"] == "p"), ZERO)
    live = [f for f in facts if f["kind"] == "p" and f["status"] == "live"]
    in_flight = [
        f["session_id"] for f in facts if f["kind"] == "s" and f["status"] == "pending_authorization"
    ]
    if captured > 0:
        why = f"{captured} {collection.currency_code.upper()} was captured against it"
    elif live:
        why = (
            f"{len(live)} payment(s) of it are authorized; cancel them first (cancelPayment) so the "
            "provider releases the hold"
        )
    elif in_flight:
        why = f"payment session {in_flight[0]} is being authorized by its provider"
    else:
        return
    raise NotAllowed(
        f"Cannot {action} payment collection {collection.id}: {why}", payment_collection_id=collection.id
    )


class CollectionService:
    """Payment collections: created in one statement, changed under their row lock."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @overload
    async def create_payment_collections(self, data: Mapping[str, Any]) -> dto.PaymentCollection: ...
    @overload
    async def create_payment_collections(
        self, data: Sequence[Mapping[str, Any]]
    ) -> list[dto.PaymentCollection]: ...
    async def create_payment_collections(
        self, data: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> dto.PaymentCollection | list[dto.PaymentCollection]:
        """Create one collection (dict in, DTO out) or several (list in, list out)."""
        items = [data] if isinstance(data, Mapping) else list(data)
        rows = [_collection_values(item) for item in items]
        now = utcnow()
        for row in rows:
            row.update(
                authorized_amount=ZERO,
                captured_amount=ZERO,
                refunded_amount=ZERO,
                completed_at=None,
                canceled_at=None,
                created_at=now,
                updated_at=now,
                deleted_at=None,
            )
        # One INSERT for all of them and their events; a new collection has no sessions or payments,
        # so the DTOs are what was written.
        # On PostgreSQL that is one statement in autocommit (the events ride in it: see outbox).
        async with self._db.one_statement_write() as conn:
            await collection_repo.insert_collections(
                conn, rows, events=[event_row("payment_collection.created", {"id": r["id"]}) for r in rows]
            )
        result = [collection_dto(row) for row in rows]
        return result[0] if isinstance(data, Mapping) else result

    @overload
    async def update_payment_collections(
        self, id_or_selector: str, data: Mapping[str, Any]
    ) -> dto.PaymentCollection: ...
    @overload
    async def update_payment_collections(
        self, id_or_selector: Mapping[str, Any], data: Mapping[str, Any]
    ) -> list[dto.PaymentCollection]: ...
    async def update_payment_collections(
        self, id_or_selector: str | Mapping[str, Any], data: Mapping[str, Any]
    ) -> dto.PaymentCollection | list[dto.PaymentCollection]:
        """Update one collection by id (DTO out) or every collection a filter selects (list out)."""
        data = require_dict(data, "data")
        unknown = set(data) - _UPDATABLE
        if unknown:
            raise InvalidData(
                f"Cannot update {', '.join(sorted(unknown))} of a payment collection",
                field=sorted(unknown)[0],
            )
        if "status" in data and data["status"] not in COLLECTION_STATUSES:
            raise InvalidData(f"status must be one of {', '.join(COLLECTION_STATUSES)}", field="status")
        async with write_transaction(self._db.sessionmaker) as session:
            if isinstance(id_or_selector, str):
                row = await common.get(session, models.PaymentCollection, id_or_selector, lock=True)
                if row is None:
                    raise not_found("PaymentCollection", id_or_selector)
                rows = [row]
            else:
                rows = await common.list_rows(session, models.PaymentCollection, id_or_selector)
            for row in rows:
                currency = (
                    normalize_currency(data["currency_code"])
                    if "currency_code" in data
                    else row.currency_code
                )
                values: dict[str, Any] = {}
                if "currency_code" in data:
                    values["currency_code"] = currency
                if "amount" in data:
                    values["amount"] = parse_amount(data["amount"], currency)
                elif "currency_code" in data:
                    values["amount"] = parse_amount(row.amount, currency)  # still exact in the new currency
                if (
                    values.get("currency_code", row.currency_code) != row.currency_code
                    or values.get("amount", row.amount) != row.amount
                ):
                    await _refuse_while_money_is_held(session, row, "change the amount or currency of")
                if "metadata" in data:
                    values["metadata"] = require_dict(data["metadata"], "metadata") or None
                await common.update(session, row, values)
                # Amount or currency move status; an explicit status is the caller's word and wins.
                recomputed = await recompute_collection(session, row.id)
                if "status" in data:
                    await common.update(session, row, {"status": data["status"]})
                if not recomputed or "status" in data:  # recompute_collection recorded its own change
                    await record_event(
                        session, "payment_collection.updated", {"id": row.id, "status": row.status}
                    )
            result = await load_collections(session, rows)
        return result[0] if isinstance(id_or_selector, str) else result

    async def delete_payment_collections(self, ids: str | Sequence[str]) -> None:
        """Delete collections with their sessions, payments, captures and refunds.

        NOT_ALLOWED while one holds money: an authorization (cancel it first, so the provider releases
        the hold) or anything captured (the ledger of money that moved is never deleted).
        """
        id_list = [ids] if isinstance(ids, str) else list(ids)
        async with write_transaction(self._db.sessionmaker) as session:
            found = {
                r.id: r for r in await common.get_many(session, models.PaymentCollection, id_list, lock=True)
            }
            for id in id_list:
                if id not in found:
                    raise not_found("PaymentCollection", id)
                await _refuse_while_money_is_held(session, found[id], "delete")
            await common.hard_delete(session, models.PaymentCollection, id_list)
            await record_events(
                session, [event_row("payment_collection.deleted", {"id": id}) for id in id_list]
            )

    @overload
    async def complete_payment_collections(self, ids: str) -> dto.PaymentCollection: ...  # type: ignore[overload-overlap]
    @overload
    async def complete_payment_collections(self, ids: Sequence[str]) -> list[dto.PaymentCollection]: ...
    async def complete_payment_collections(
        self, ids: str | Sequence[str]
    ) -> dto.PaymentCollection | list[dto.PaymentCollection]:
        """Set completed_at on each collection (kept if already set)."""
        id_list = [ids] if isinstance(ids, str) else list(ids)
        async with write_transaction(self._db.sessionmaker) as session:
            rows = []
            for id in id_list:
                row = await common.get(session, models.PaymentCollection, id, lock=True)
                if row is None:
                    raise not_found("PaymentCollection", id)
                if row.completed_at is None:
                    await common.update(session, row, {"completed_at": utcnow()})
                    await record_event(session, "payment_collection.completed", {"id": row.id})
                rows.append(row)
            result = await load_collections(session, rows)
        return result[0] if isinstance(ids, str) else result

    async def retrieve_payment_collection(self, id: str) -> dto.PaymentCollection:
        """One collection with its sessions and payments; NOT_FOUND if missing."""
        async with read_session(self._db.sessionmaker) as session:
            row = await common.get(session, models.PaymentCollection, id)
            if row is None:
                raise not_found("PaymentCollection", id)
            return (await load_collections(session, [row]))[0]

    async def list_payment_collections(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> list[dto.PaymentCollection]:
        """Collections matching equality/IN filters, oldest first."""
        async with read_session(self._db.sessionmaker) as session:
            rows = await common.list_rows(session, models.PaymentCollection, filters, skip=skip, take=take)
            return await load_collections(session, rows)

    async def list_and_count_payment_collections(
        self, filters: Filters = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[dto.PaymentCollection], int]:
        return await list_and_count(
            self._db.sessionmaker,
            self.list_payment_collections,
            models.PaymentCollection,
            filters,
            skip,
            take,
        )
