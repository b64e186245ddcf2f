"""Payment sessions: created through the provider, updated, deleted, read.

The provider is called outside any database transaction: the session row is written first (so the
provider gets the session id as its idempotency key), then the provider's answer is recorded; if the
provider fails the row is removed again and the collection recomputed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.db.types import utcnow
from paymentgraph.errors import InvalidData, NotAllowed, not_found
from paymentgraph.events.outbox import event_row, record_event, record_events
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.entities import SESSION_STATUSES
from paymentgraph.modules.payment.providers.base import (
    AbstractPaymentProvider,
    InitiatePaymentInput,
    PaymentInput,
    UpdatePaymentInput,
)
from paymentgraph.modules.payment.repository import collection_guard, common
from paymentgraph.modules.payment.repository import collections as collection_repo
from paymentgraph.modules.payment.repository import payments as payment_repo
from paymentgraph.modules.payment.repository import sessions as session_repo
from paymentgraph.modules.payment.service.database import Database
from paymentgraph.modules.payment.service.inputs import provider_context, require_dict
from paymentgraph.modules.payment.service.listing import Filters, list_and_count
from paymentgraph.modules.payment.service.mapping import session_dto
from paymentgraph.modules.payment.service.provider_calls import ProviderCalls
from paymentgraph.modules.payment.service.recompute import recompute_collection, recompute_locked, recomputed
from paymentgraph.money import normalize_currency, parse_amount


class SessionService:
    """Payment sessions: our row first, then the provider, then its answer recorded (or the row removed)."""

    def __init__(self, db: Database, providers: ProviderCalls) -> None:
        self._db = db
        self._providers = providers

    async def create_payment_session(
        self, payment_collection_id: str, data: Mapping[str, Any]
    ) -> dto.PaymentSession:
        """Create a session with ``provider_id`` (amount and currency default to the collection's)."""
        data = require_dict(data, "data")
        caller_data = require_dict(data.get("data"), "data.data")
        context = require_dict(data.get("context"), "context")
        metadata = require_dict(data.get("metadata"), "metadata") or None
        session_id = new_id("payses")
        provider_id = data.get("provider_id")
        provider_id = provider_id if isinstance(provider_id, str) and provider_id else ""

        def new_session(collection: Mapping[Any, Any]) -> tuple[AbstractPaymentProvider, dict[str, Any]]:
            """Checks on the collection as read (or locked), then the session row to insert."""
            if collection["status"] == "completed" or collection["canceled_at"] is not None:
                raise NotAllowed(
                    f"Cannot create a payment session in payment collection {collection['id']}: "
                    f"it is {'completed' if collection['status'] == 'completed' else 'canceled'}",
                    payment_collection_id=collection["id"],
                )
            provider = self._providers.usable(data.get("provider_id"), collection["provider_enabled"])
            currency = collection["currency_code"]
            if (
                data.get("currency_code") is not None
                and normalize_currency(data["currency_code"]) != currency
            ):
                raise InvalidData(
                    f"currency_code {data['currency_code']!r} does not match the payment collection's "
                    f"currency {currency.upper()}",
                    field="currency_code",
                    payment_collection_id=collection["id"],
                )
            amount = (
                parse_amount(data["amount"], currency)
                if data.get("amount") is not None
                else collection["amount"]
            )
            now = utcnow()
            return provider, {
                "id": session_id,
                "payment_collection_id": collection["id"],
                "provider_id": provider.id,
                "currency_code": currency,
                "amount": amount,
                "data": caller_data,
                "context": context or None,
                "metadata": metadata,
                "status": "pending",
                "authorized_at": None,
                "created_at": now,
                "updated_at": now,
                "deleted_at": None,
            }

        def created_event(row: Mapping[str, Any]) -> dict[str, Any]:
            return event_row(
                "payment_session.created",
                {
                    "id": session_id,
                    "payment_collection_id": row["payment_collection_id"],
                    "amount": row["amount"],
                },
            )

        written = None
        if self._db.autocommits:
            # Decide on one unlocked read; write in one statement guarded by the collection's version.
            async with self._db.autocommit_connection() as conn:
                found = await collection_repo.collection_with_facts(
                    conn, payment_collection_id, provider_id=provider_id
                )
                if found is None:
                    raise not_found("PaymentCollection", payment_collection_id)
                collection, facts = found
                provider, row = new_session(collection)
                created = created_event(row)  # first: event ids grow in the order they are made
                changed, events = recomputed(collection, [*facts, collection_repo.session_fact(row)])
                done = await collection_guard.write_if_unchanged(
                    conn,
                    collection_guard.collection_guard,
                    {
                        "guard_collection_id": collection["id"],
                        "guard_collection_version": collection["version"],
                    },
                    collection["id"],
                    changed,
                    [collection_guard.Guarded(session_repo.SESSION, row)],
                    [created, *events],
                )
                if done is not None:
                    written = row
        if written is None:  # SQLite, or the collection changed since it was read: under its lock
            async with write_transaction(self._db.sessionmaker) as session:
                conn = await session.connection()
                locked = await collection_repo.lock_collection(
                    conn, payment_collection_id, provider_id=provider_id
                )
                if locked is None:
                    raise not_found("PaymentCollection", payment_collection_id)
                provider, row = new_session(locked)
                facts = await session_repo.insert_session(conn, row)
                await record_events(conn, [created_event(row)])
                await recompute_locked(conn, locked, facts)
                written = row
        amount, currency = written["amount"], written["currency_code"]

        try:
            output = await self._providers.call(
                provider.id,
                "initiate the payment",
                provider.initiate_payment(
                    InitiatePaymentInput(
                        amount=amount,
                        currency_code=currency,
                        data={**caller_data, "session_id": session_id},
                        context=provider_context(context, idempotency_key=session_id),
                    )
                ),
                payment_session_id=session_id,
            )
        except BaseException:
            await self._remove_session(session_id, payment_collection_id)
            raise

        try:
            return await self._record_initiated(
                session_id,
                {
                    "data": {**caller_data, **output.data},
                    "status": output.status.value if output.status else "pending",
                },
            )
        except BaseException:
            # The provider holds a payment we could not record: release it, then drop our row.
            try:
                await provider.delete_payment(
                    PaymentInput(
                        data=output.data, context=provider_context(context, idempotency_key=session_id)
                    )
                )
            finally:
                await self._remove_session(session_id, payment_collection_id)
            raise

    async def _record_initiated(self, session_id: str, values: dict[str, Any]) -> dto.PaymentSession:
        """Write the provider's answer to a session; recompute its collection when that can move it.

        Of a session's statuses only ``authorized`` and ``canceled`` count toward its collection, so
        when neither the old nor the new status is one of them one conditional UPDATE is the whole
        write (on PostgreSQL in autocommit); otherwise the session is locked, written and its
        collection recomputed.
        """
        values = {**values, "updated_at": utcnow()}
        if values["status"] not in session_repo.COUNTED_STATUSES:
            async with self._db.one_statement_write() as conn:
                written = await session_repo.update_uncounted_session(conn, session_id, values)
            if written is not None:
                return session_dto(written)
        async with write_transaction(self._db.sessionmaker) as session:
            conn = await session.connection()
            row = await session_repo.lock_session(conn, session_id)
            if row is None:  # deleted meanwhile; nothing to record
                raise not_found("PaymentSession", session_id)
            await session_repo.update_session(conn, session_id, values)
            await recompute_collection(session, row["payment_collection_id"])
            return session_dto({**row, **values})

    async def _remove_session(self, session_id: str, collection_id: str) -> None:
        async with write_transaction(self._db.sessionmaker) as session:
            await common.hard_delete(session, models.PaymentSession, [session_id])
            await record_event(
                session, "payment_session.deleted", {"id": session_id, "payment_collection_id": collection_id}
            )
            await recompute_collection(session, collection_id)

    async def update_payment_session(self, data: Mapping[str, Any]) -> dto.PaymentSession:
        """Update a session's amount, currency, data, context, status or metadata.

        The provider is asked only when amount, currency or data change (Medusa always asks, with the
        caller's possibly missing fields); an authorized session's money fields cannot change.
        """
        data = require_dict(data, "data")
        session_id = data.get("id")
        if not isinstance(session_id, str) or not session_id:
            raise InvalidData("id is required", field="id")
        if "status" in data and data["status"] not in SESSION_STATUSES:
            raise InvalidData(f"status must be one of {', '.join(SESSION_STATUSES)}", field="status")
        async with read_session(self._db.sessionmaker) as session:
            row = await common.get(session, models.PaymentSession, session_id)
            if row is None:
                raise not_found("PaymentSession", session_id)
            collection = await common.get(session, models.PaymentCollection, row.payment_collection_id)
            payment = await payment_repo.live_payment_for_session(session, session_id)
        assert collection is not None
        currency = row.currency_code
        if data.get("currency_code") is not None:
            currency = normalize_currency(data["currency_code"])
            if currency != collection.currency_code:
                raise InvalidData(
                    f"currency_code {data['currency_code']!r} does not match the payment collection's "
                    f"currency {collection.currency_code.upper()}",
                    field="currency_code",
                    payment_session_id=session_id,
                )
        amount = parse_amount(data["amount"], currency) if data.get("amount") is not None else row.amount
        new_data = require_dict(data["data"], "data.data") if data.get("data") is not None else row.data
        money_changed = amount != row.amount or currency != row.currency_code or new_data != row.data
        if money_changed and payment is not None:
            raise NotAllowed(
                f"Payment session {session_id} is authorized (payment {payment.id}); its amount, currency "
                "and data can no longer change",
                payment_session_id=session_id,
                payment_id=payment.id,
            )
        context = require_dict(data["context"], "context") if "context" in data else row.context
        status = row.status
        provider_data = new_data
        if money_changed:
            provider = self._providers.get(row.provider_id)
            output = await self._providers.call(
                provider.id,
                "update the payment",
                provider.update_payment(
                    UpdatePaymentInput(
                        amount=amount,
                        currency_code=currency,
                        data=new_data,
                        context=provider_context(context, idempotency_key=None),
                    )
                ),
                payment_session_id=session_id,
            )
            provider_data = output.data if output.data else new_data
            status = output.status.value if output.status else status
        values: dict[str, Any] = {
            "amount": amount,
            "currency_code": currency,
            "data": provider_data,
            "context": context or None,
            "status": data.get("status") or status,
        }
        if "metadata" in data:
            values["metadata"] = require_dict(data["metadata"], "metadata") or None
        async with write_transaction(self._db.sessionmaker) as session:
            locked = await payment_repo.lock_session(session, session_id)
            if locked is None:
                raise not_found("PaymentSession", session_id)
            if money_changed and await payment_repo.live_payment_for_session(session, session_id):
                # Authorized while the provider was being asked: the payment's terms stand.
                raise NotAllowed(
                    f"Payment session {session_id} was authorized meanwhile; its amount, currency and data "
                    "can no longer change",
                    payment_session_id=session_id,
                )
            await common.update(session, locked, values)
            await record_event(
                session,
                "payment_session.updated",
                {
                    "id": session_id,
                    "payment_collection_id": locked.payment_collection_id,
                    "status": locked.status,
                },
            )
            await recompute_collection(session, locked.payment_collection_id)
            return session_dto(locked)

    async def delete_payment_session(self, id: str) -> None:
        """Delete a session at the provider, then here; refused while it holds a live payment."""
        async with read_session(self._db.sessionmaker) as session:
            row = await common.get(session, models.PaymentSession, id)
            if row is None:
                raise not_found("PaymentSession", id)
            payment = await payment_repo.live_payment_for_session(session, id)
        if payment is not None and payment.canceled_at is None:
            raise NotAllowed(
                f"Payment session {id} has payment {payment.id}; "
                "cancel the payment before deleting the session",
                payment_session_id=id,
                payment_id=payment.id,
            )
        if row.status == "pending_authorization":
            # The provider is moving the money (it cannot cancel a processing debit): keep the session
            # so its outcome is recorded when the provider reports it.
            raise NotAllowed(
                f"Payment session {id} is being authorized by {row.provider_id} (an asynchronous "
                "payment method); it can be deleted once the provider reports the outcome",
                payment_session_id=id,
            )
        provider = self._providers.get(row.provider_id)
        await self._providers.call(
            provider.id,
            "delete the payment",
            provider.delete_payment(
                PaymentInput(data=row.data or {}, context=provider_context(None, idempotency_key=id))
            ),
            payment_session_id=id,
        )
        await self._remove_session(id, row.payment_collection_id)

    async def retrieve_payment_session(self, id: str) -> dto.PaymentSession:
        """One session; NOT_FOUND if missing."""
        async with read_session(self._db.sessionmaker) as session:
            row = await common.get(session, models.PaymentSession, id)
            if row is None:
                raise not_found("PaymentSession", id)
            return session_dto(row)

    async def list_payment_sessions(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> list[dto.PaymentSession]:
        """Sessions matching equality/IN filters, oldest first."""
        async with read_session(self._db.sessionmaker) as session:
            rows = await common.list_rows(session, models.PaymentSession, filters, skip=skip, take=take)
            return [session_dto(r) for r in rows]

    async def list_and_count_payment_sessions(
        self, filters: Filters = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[dto.PaymentSession], int]:
        return await list_and_count(
            self._db.sessionmaker, self.list_payment_sessions, models.PaymentSession, filters, skip, take
        )
