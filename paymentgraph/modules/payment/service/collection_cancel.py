"""Canceling a payment collection: its sessions and uncaptured payments canceled through their providers.

Medusa's cancelPaymentCollectionWorkflow cancels payments only and leaves a partly captured collection
``partially_captured``; here a collection with anything captured is refused (refund instead), and the
sessions are released at their providers too (a Stripe PaymentIntent would otherwise stay open).

Order of work: the collection is checked under its lock, each uncaptured payment is canceled through
``cancel_payment`` (which refuses one captured meanwhile), each open session is canceled at its provider
and marked ``canceled``; finally, under the lock again, nothing may have been captured meanwhile and the
status becomes ``canceled``. A provider failure stops there with the collection not canceled: calling
again finishes the work (what is already canceled is skipped).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.db.types import utcnow
from paymentgraph.errors import NotAllowed, not_found
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.providers.base import PaymentInput
from paymentgraph.modules.payment.repository import collections as collection_repo
from paymentgraph.modules.payment.repository import common
from paymentgraph.modules.payment.service.inputs import provider_context
from paymentgraph.modules.payment.service.mapping import load_collections
from paymentgraph.modules.payment.service.payments import PaymentService
from paymentgraph.modules.payment.service.provider_calls import ProviderCalls
from paymentgraph.modules.payment.service.recompute import recompute_collection

# A session in one of these holds nothing at its provider any more.
_SESSION_DONE = {"canceled"}


def _refuse_if_final(collection: models.PaymentCollection) -> None:
    if collection.canceled_at is not None:
        raise NotAllowed(
            f"Payment collection {collection.id} is already canceled", payment_collection_id=collection.id
        )
    if collection.captured_amount > 0:
        raise NotAllowed(
            f"Cannot cancel payment collection {collection.id}: {collection.captured_amount} "
            f"{collection.currency_code.upper()} was captured; refund it instead",
            payment_collection_id=collection.id,
        )


class CollectionCancelService:
    """Canceling a collection: its payments through ``payments``, its open sessions at their providers."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        providers: ProviderCalls,
        payments: PaymentService,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._providers = providers
        self._payments = payments

    async def cancel_payment_collection(self, id: str) -> dto.PaymentCollection:
        """Cancel a collection that has nothing captured: NOT_ALLOWED once anything is, or when canceled."""
        async with read_session(self._sessionmaker) as session:
            collection = await common.get(session, models.PaymentCollection, id)
            if collection is None:
                raise not_found("PaymentCollection", id)
            _refuse_if_final(collection)
            payments = await collection_repo.payments_of(session, [id])
            sessions = await collection_repo.sessions_of(session, [id])
        for payment in payments:
            if payment.canceled_at is None:
                # Through the provider; refuses a payment captured meanwhile.
                await self._payments.cancel_payment(payment.id)
        with_payment = {p.payment_session_id for p in payments}
        for payment_session in sessions:
            if payment_session.status in _SESSION_DONE or payment_session.id in with_payment:
                continue
            await self._cancel_session(payment_session)
        async with write_transaction(self._sessionmaker) as session:
            locked = await common.get(session, models.PaymentCollection, id, lock=True)
            if locked is None:
                raise not_found("PaymentCollection", id)
            _refuse_if_final(locked)
            now = utcnow()
            closed = {"status": "canceled", "canceled_at": now, "updated_at": now}
            await common.update(session, locked, closed)
            return (await load_collections(session, [locked]))[0]

    async def _cancel_session(self, payment_session: models.PaymentSession) -> None:
        """Release a session's payment at its provider, then mark the session canceled."""
        provider = self._providers.get(payment_session.provider_id)
        output = await self._providers.call(
            provider.id,
            "cancel the payment",
            provider.cancel_payment(
                PaymentInput(
                    data=payment_session.data or {},
                    context=provider_context(None, idempotency_key=payment_session.id),
                )
            ),
            payment_session_id=payment_session.id,
        )
        async with write_transaction(self._sessionmaker) as session:
            row = await common.get(session, models.PaymentSession, payment_session.id, lock=True)
            if row is not None:
                values: dict[str, Any] = {"status": "canceled", "updated_at": utcnow()}
                if output.data:
                    values["data"] = {**(row.data or {}), **output.data}
                await common.update(session, row, values)
                # A canceled session counts (every session canceled: the collection reads canceled).
                await recompute_collection(session, row.payment_collection_id)
