"""Refunding a payment: reserve under the payment's row lock, ask the provider, record or compensate.

Refundable = succeeded captures minus every refund row (pending ones included), so concurrent
refunds can never return more than was captured. The provider gets the refund id as idempotency key.
A cancellation or crash during the provider call leaves the refund pending (the outcome is unknown) for
``recover_pending_operations`` to settle with the same key.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.errors import InvalidData, not_found
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.providers.base import PaymentOutput, RefundPaymentInput
from paymentgraph.modules.payment.repository import common
from paymentgraph.modules.payment.repository import payments as payment_repo
from paymentgraph.modules.payment.service.base import ServiceBase, provider_context, require_dict
from paymentgraph.modules.payment.service.mapping import load_payments, refund_dto
from paymentgraph.modules.payment.service.recompute import recompute_collection
from paymentgraph.money import format_amount, parse_amount

ZERO = Decimal(0)
_OVER_REFUND = "You cannot refund more than what is captured on the payment."


class RefundsMixin(ServiceBase):
    async def refund_payment(self, data: Mapping[str, Any]) -> dto.Payment:
        """Refund ``amount`` of a payment (omitted: all captured, not yet refunded); returns the payment."""
        data = require_dict(data, "data")
        payment_id = data.get("payment_id")
        if not isinstance(payment_id, str) or not payment_id:
            raise InvalidData("payment_id is required", field="payment_id")
        reason_id = data.get("refund_reason_id")
        note = data.get("note")
        if note is not None and not isinstance(note, str):
            raise InvalidData("note must be a string", field="note")
        metadata = require_dict(data.get("metadata"), "metadata") or None
        refund_id = new_id("ref")

        async with write_transaction(self.sessionmaker) as session:
            payment = await common.get(session, models.Payment, payment_id, lock=True)
            if payment is None:
                raise not_found("Payment", payment_id)
            if reason_id is not None and await common.get(session, models.RefundReason, reason_id) is None:
                raise not_found("RefundReason", reason_id)
            refunds = await payment_repo.refunds_of(session, [payment_id])
            refundable = payment.captured_amount - sum((r.amount for r in refunds), ZERO)
            requested = data.get("amount")
            if requested is None:
                amount = refundable
                if amount <= 0:
                    raise InvalidData(
                        f"{_OVER_REFUND} Payment {payment_id} has nothing captured left to refund.",
                        payment_id=payment_id,
                    )
            else:
                amount = parse_amount(requested, payment.currency_code, positive=True)
                if amount > refundable:
                    raise InvalidData(
                        f"{_OVER_REFUND} Payment {payment_id} has "
                        f"{format_amount(max(refundable, ZERO), payment.currency_code)} "
                        f"{payment.currency_code.upper()} refundable.",
                        payment_id=payment_id,
                        field="amount",
                    )
            await common.insert(
                session,
                models.Refund,
                {
                    "id": refund_id,
                    "payment_id": payment_id,
                    "amount": amount,
                    "status": "pending",
                    "refund_reason_id": reason_id,
                    "note": note,
                    "created_by": data.get("created_by"),
                    "metadata": metadata,
                },
            )
            provider_id, payment_data, currency = (
                payment.provider_id,
                payment.data or {},
                payment.currency_code,
            )

        try:
            output = await self._refund_at_provider(
                provider_id, payment_data, currency, payment_id, refund_id, amount
            )
        except Exception:
            await self._drop_pending(models.Refund, refund_id)
            raise
        return await self._record_refund(payment_id, refund_id, output)

    async def _refund_at_provider(
        self,
        provider_id: str,
        payment_data: dict[str, Any],
        currency: str,
        payment_id: str,
        refund_id: str,
        amount: Decimal,
    ) -> PaymentOutput:
        """Ask the provider to refund ``amount``; the refund id is the idempotency key."""
        return await self._call(
            provider_id,
            "refund the payment",
            self._provider(provider_id).refund_payment(
                RefundPaymentInput(
                    data=payment_data,
                    amount=amount,
                    currency_code=currency,
                    context=provider_context(None, idempotency_key=refund_id),
                )
            ),
            payment_id=payment_id,
            refund_id=refund_id,
        )

    async def _record_refund(self, payment_id: str, refund_id: str, output: PaymentOutput) -> dto.Payment:
        """Mark a refund succeeded and move the sums; an already succeeded refund changes nothing."""
        async with write_transaction(self.sessionmaker) as session:
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
            await recompute_collection(session, payment.payment_collection_id)
            return (await load_payments(session, [payment]))[0]

    async def list_refunds(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> list[dto.Refund]:
        """Refunds matching equality/IN filters (e.g. ``{"payment_id": id}``), oldest first."""
        async with read_session(self.sessionmaker) as session:
            rows = await common.list_rows(session, models.Refund, filters, skip=skip, take=take)
            return [refund_dto(r) for r in rows]
