"""Settling a reserved refund: ask its provider (the refund id is the idempotency key), record the outcome.

A success marks the refund succeeded, moves the payment's ``refunded_amount`` and recomputes its
collection, under the payment's lock; recording a refund already succeeded changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.session import write_transaction
from paymentgraph.errors import not_found
from paymentgraph.events.outbox import record_event
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.providers.base import PaymentOutput, RefundPaymentInput
from paymentgraph.modules.payment.repository import common
from paymentgraph.modules.payment.service.inputs import provider_context
from paymentgraph.modules.payment.service.mapping import load_payments
from paymentgraph.modules.payment.service.pending import PendingOperation
from paymentgraph.modules.payment.service.provider_calls import ProviderCalls
from paymentgraph.modules.payment.service.recompute import recompute_collection


class RefundSettlementService:
    """Asks the provider for a reserved refund and records what it answered."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], providers: ProviderCalls) -> None:
        self._sessionmaker = sessionmaker
        self._providers = providers

    async def ask(self, op: PendingOperation) -> PaymentOutput:
        """Ask the provider to refund ``op.amount``; the refund id is the idempotency key."""
        return await self._providers.call(
            op.provider_id,
            "refund the payment",
            self._providers.get(op.provider_id).refund_payment(
                RefundPaymentInput(
                    data=op.payment_data,
                    amount=op.amount,
                    currency_code=op.currency,
                    context=provider_context(None, idempotency_key=op.id),
                )
            ),
            payment_id=op.payment_id,
        )

    async def record(self, op: PendingOperation, output: PaymentOutput) -> dto.Payment:
        """Mark a refund succeeded and move the sums; an already succeeded refund changes nothing."""
        payment_id, refund_id = op.payment_id, op.id
        async with write_transaction(self._sessionmaker) as session:
            payment = await common.get(session, models.Payment, payment_id, lock=True)
            refund = await common.get(session, models.Refund, refund_id)
            if payment is None or refund is None:
                raise not_found("Payment", payment_id)
            if refund.status == "succeeded":
                return (await load_payments(session, [payment]))[0]
            await common.update(session, refund, {"status": "succeeded"})
            values: dict[str, Any] = {"refunded_amount": payment.refunded_amount + refund.amount}
            if output.data:
                values["data"] = output.data
            await common.update(session, payment, values)
            await record_event(
                session,
                "payment.refunded",
                {
                    "id": payment_id,
                    "payment_collection_id": payment.payment_collection_id,
                    "refund_id": refund_id,
                    "amount": refund.amount,
                    "currency_code": payment.currency_code,
                },
                actor_id=refund.created_by,
            )
            await recompute_collection(session, payment.payment_collection_id)
            return (await load_payments(session, [payment]))[0]
