"""Refunding a payment: reserve under the payment's row lock, ask the provider, record or keep pending.

Refundable = succeeded captures minus every refund row (pending ones included), so concurrent refunds,
and refunds whose outcome is unknown, can never return more than was captured. The provider gets the
refund id as idempotency key. A definite refusal removes the pending refund; an unknown outcome
(ProviderUnavailable), a cancellation or a crash leaves it pending, to be settled with the same key
(``pending.py``): when the same request is retried, before the next refund, or by the recovery job.
This module reserves; ``refund_settlement.py`` asks and records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.errors import DomainError, InvalidData, ProviderUnavailable, not_found
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.repository import common, payment_rows
from paymentgraph.modules.payment.repository import payments as payment_repo
from paymentgraph.modules.payment.service.inputs import require_dict
from paymentgraph.modules.payment.service.listing import Filters, list_and_count
from paymentgraph.modules.payment.service.mapping import load_payments, refund_dto
from paymentgraph.modules.payment.service.pending import (
    PendingOperation,
    drop_pending,
    naming,
    request_key,
    same_request,
)
from paymentgraph.modules.payment.service.refund_settlement import RefundSettlementService
from paymentgraph.modules.payment.service.settlement import SettlementService
from paymentgraph.money import format_amount, parse_amount

ZERO = Decimal(0)
_OVER_REFUND = "You cannot refund more than what is captured on the payment."


@dataclass(frozen=True)
class _Reserved:
    """A pending refund committed under the payment's lock: the provider is asked next."""

    op: PendingOperation


# What one pass under the payment's lock decided (as in captures.py): settle these first, resume the
# caller's own pending refund, return the payment, or ask the provider.
_Step = dto.Payment | list[PendingOperation] | PendingOperation | _Reserved


class RefundService:
    """New refunds: reserved here, then asked for and recorded by ``refund_settlement``."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settlement: SettlementService,
        refund_settlement: RefundSettlementService,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settlement = settlement
        self._refund_settlement = refund_settlement

    async def refund_payment(self, data: Mapping[str, Any]) -> dto.Payment:
        """Refund ``amount`` of a payment (omitted: all captured, not yet refunded); returns the payment.

        ``idempotency_key`` names the caller's intent: a retry with it resumes the refund it created
        (settled with the same provider key) instead of refunding again. Pending captures and refunds
        of the payment are settled first. When the provider's answer is lost the refund stays pending
        and ProviderUnavailable (PROVIDER_UNAVAILABLE, ``refundId``) is raised; a definite refusal
        removes it and raises the provider's error.
        """
        data = require_dict(data, "data")
        payment_id = data.get("payment_id")
        if not isinstance(payment_id, str) or not payment_id:
            raise InvalidData("payment_id is required", field="payment_id")
        note = data.get("note")
        if note is not None and not isinstance(note, str):
            raise InvalidData("note must be a string", field="note")
        require_dict(data.get("metadata"), "metadata")
        return await self._settlement.reserve_and_call(
            lambda settle_first: self._reserve_refund(payment_id, data, settle_first=settle_first),
            lambda reserved: self._refund_reserved(reserved.op),
            keyed=request_key(data) is not None,
        )

    async def _reserve_refund(self, payment_id: str, data: dict[str, Any], *, settle_first: bool) -> _Step:
        """Under the payment's lock: validate, and write the pending refund unless something comes first."""
        key = request_key(data)
        reason_id = data.get("refund_reason_id")
        async with write_transaction(self._sessionmaker) as session:
            payment = await common.get(session, models.Payment, payment_id, lock=True)
            if payment is None:
                raise not_found("Payment", payment_id)
            currency = payment.currency_code
            requested = data.get("amount")
            amount = None if requested is None else parse_amount(requested, currency, positive=True)

            def pending(kind: str, id: str, amount: Decimal) -> PendingOperation:
                return PendingOperation(
                    kind, id, amount, payment_id, payment.provider_id, dict(payment.data or {}), currency
                )

            refunds = await payment_repo.refunds_of(session, [payment_id])
            mine = next((r for r in refunds if key is not None and r.idempotency_key == key), None)
            if mine is not None:  # the same request again: resume it, never refund anew
                same_request("refund", mine.amount, amount)
                if mine.status == "pending":
                    return pending("refund", mine.id, mine.amount)
                return (await load_payments(session, [payment]))[0]
            if settle_first:
                # A pending capture may have moved refundable money; a pending refund may be done.
                conn = await session.connection()
                captures = await payment_rows.captures_for_limit(conn, payment_id)
                unsettled = [
                    pending("capture", c["id"], c["amount"]) for c in captures if c["status"] == "pending"
                ]
                unsettled += [pending("refund", r.id, r.amount) for r in refunds if r.status == "pending"]
                if unsettled:
                    return unsettled  # settled outside the transaction, then again

            if reason_id is not None and await common.get(session, models.RefundReason, reason_id) is None:
                raise not_found("RefundReason", reason_id)
            refundable = payment.captured_amount - sum((r.amount for r in refunds), ZERO)  # pending too
            if amount is None:
                amount = refundable
                if amount <= 0:
                    raise InvalidData(
                        f"{_OVER_REFUND} Payment {payment_id} has nothing captured left to refund.",
                        payment_id=payment_id,
                    )
            elif amount > refundable:
                raise InvalidData(
                    f"{_OVER_REFUND} Payment {payment_id} has "
                    f"{format_amount(max(refundable, ZERO), currency)} "
                    f"{currency.upper()} refundable.",
                    payment_id=payment_id,
                    field="amount",
                )
            refund_id = new_id("ref")
            await common.insert(
                session,
                models.Refund,
                {
                    "id": refund_id,
                    "payment_id": payment_id,
                    "amount": amount,
                    "status": "pending",
                    "idempotency_key": key,
                    "refund_reason_id": reason_id,
                    "note": data.get("note"),
                    "created_by": data.get("created_by"),
                    "metadata": require_dict(data.get("metadata"), "metadata") or None,
                },
            )
            return _Reserved(pending("refund", refund_id, amount))

    async def _refund_reserved(self, op: PendingOperation) -> dto.Payment:
        """Ask the provider for a just reserved refund; only a definite refusal removes it."""
        try:
            output = await self._refund_settlement.ask(op)
        except ProviderUnavailable as exc:
            naming(exc, op)
            raise  # the refund stays pending: a retry, the next refund or the recovery job settles it
        except Exception as exc:
            # A refusal (or a provider that is not loaded): nothing was refunded.
            await drop_pending(self._sessionmaker, op)
            if isinstance(exc, DomainError):
                naming(exc, op)
            raise
        return await self._refund_settlement.record(op, output)

    async def list_refunds(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> list[dto.Refund]:
        """Refunds matching equality/IN filters (e.g. ``{"payment_id": id}``), oldest first."""
        async with read_session(self._sessionmaker) as session:
            rows = await common.list_rows(session, models.Refund, filters, skip=skip, take=take)
            return [refund_dto(r) for r in rows]

    async def list_and_count_refunds(
        self, filters: Filters = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[dto.Refund], int]:
        return await list_and_count(self._sessionmaker, self.list_refunds, models.Refund, filters, skip, take)
