"""Payments: cancel (write the intent, ask the provider, compensate), update, retrieve, list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.db.types import utcnow
from paymentgraph.errors import InvalidData, NotAllowed, not_found
from paymentgraph.events.outbox import record_event
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.providers.base import PaymentInput
from paymentgraph.modules.payment.repository import common
from paymentgraph.modules.payment.repository import payments as payment_repo
from paymentgraph.modules.payment.service.inputs import provider_context, require_dict
from paymentgraph.modules.payment.service.listing import Filters, list_and_count
from paymentgraph.modules.payment.service.mapping import load_payments
from paymentgraph.modules.payment.service.provider_calls import ProviderCalls
from paymentgraph.modules.payment.service.recompute import recompute_collection


class PaymentService:
    """Payments once authorized: canceled through their provider, updated, read."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], providers: ProviderCalls) -> None:
        self._sessionmaker = sessionmaker
        self._providers = providers

    async def cancel_payment(self, id: str, *, canceled_by: str | None = None) -> dto.Payment:
        """Cancel an authorized payment at its provider; refused once anything was captured.

        Its session is canceled with it (the authorization it holds is gone), so a collection whose
        every session is canceled reads ``canceled``.

        ``canceled_by`` names who asked (an API key id or "token:<n>"); it is kept with ``canceled_at``.

        ``canceled_at`` is written first under the payment's lock, so a concurrent capture is refused
        while the provider is asked; if the provider fails it is cleared again.
        """
        async with write_transaction(self._sessionmaker) as session:
            payment = await common.get(session, models.Payment, id, lock=True)
            if payment is None:
                raise not_found("Payment", id)
            if payment.canceled_at is not None:
                return (await load_payments(session, [payment]))[0]
            if await payment_repo.payment_ids_with_captures(session, [id]):
                raise NotAllowed(
                    f"Cannot cancel a payment: {id} that has been captured. Refund it instead.", payment_id=id
                )
            await common.update(session, payment, {"canceled_at": utcnow(), "canceled_by": canceled_by})
            await recompute_collection(session, payment.payment_collection_id)
            provider_id, data, collection_id = (
                payment.provider_id,
                payment.data or {},
                payment.payment_collection_id,
            )

        provider = self._providers.get(provider_id)
        try:
            output = await self._providers.call(
                provider_id,
                "cancel the payment",
                provider.cancel_payment(
                    PaymentInput(data=data, context=provider_context(None, idempotency_key=id))
                ),
                payment_id=id,
            )
        except BaseException:
            async with write_transaction(self._sessionmaker) as session:
                payment = await common.get(session, models.Payment, id, lock=True)
                if payment is not None:
                    await common.update(session, payment, {"canceled_at": None, "canceled_by": None})
                await recompute_collection(session, collection_id)
            raise
        async with write_transaction(self._sessionmaker) as session:
            payment = await common.get(session, models.Payment, id, lock=True)
            if payment is None:
                raise not_found("Payment", id)
            if output.data:
                await common.update(session, payment, {"data": output.data})
            await self._cancel_session_of(session, payment)
            await record_event(
                session,
                "payment.canceled",
                {
                    "id": id,
                    "payment_collection_id": payment.payment_collection_id,
                    "amount": payment.amount,
                    "currency_code": payment.currency_code,
                },
                actor_id=payment.canceled_by,
            )
            return (await load_payments(session, [payment]))[0]

    async def _cancel_session_of(self, session: AsyncSession, payment: models.Payment) -> None:
        payment_session = await payment_repo.lock_session(session, payment.payment_session_id)
        if payment_session is None or payment_session.status == "canceled":
            return
        await common.update(session, payment_session, {"status": "canceled", "updated_at": utcnow()})
        await record_event(
            session,
            "payment_session.updated",
            {
                "id": payment_session.id,
                "payment_collection_id": payment_session.payment_collection_id,
                "status": "canceled",
            },
        )
        await recompute_collection(session, payment.payment_collection_id)

    async def update_payment(self, data: Mapping[str, Any]) -> dto.Payment:
        """Update a payment's ``data`` or ``metadata`` (no provider call, as in Medusa)."""
        data = require_dict(data, "data")
        id = data.get("id")
        if not isinstance(id, str) or not id:
            raise InvalidData("id is required", field="id")
        unknown = set(data) - {"id", "data", "metadata"}
        if unknown:
            raise InvalidData(
                f"Cannot update {', '.join(sorted(unknown))} of a payment", field=sorted(unknown)[0]
            )
        values = {
            k: (require_dict(v, k) if k == "data" else require_dict(v, k) or None)
            for k, v in data.items()
            if k != "id"
        }
        async with write_transaction(self._sessionmaker) as session:
            payment = await common.get(session, models.Payment, id, lock=True)
            if payment is None:
                raise not_found("Payment", id)
            await common.update(session, payment, values)
            return (await load_payments(session, [payment]))[0]

    async def retrieve_payment(self, id: str) -> dto.Payment:
        """One payment with its captures and refunds; NOT_FOUND if missing."""
        async with read_session(self._sessionmaker) as session:
            payment = await common.get(session, models.Payment, id)
            if payment is None:
                raise not_found("Payment", id)
            return (await load_payments(session, [payment]))[0]

    async def list_payments(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> list[dto.Payment]:
        """Payments matching equality/IN filters, with captures and refunds, oldest first."""
        async with read_session(self._sessionmaker) as session:
            rows = await common.list_rows(session, models.Payment, filters, skip=skip, take=take)
            return await load_payments(session, rows)

    async def list_and_count_payments(
        self, filters: Filters = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[dto.Payment], int]:
        return await list_and_count(
            self._sessionmaker, self.list_payments, models.Payment, filters, skip, take
        )
