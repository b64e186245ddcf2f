"""Settling a pending capture or refund: ask the provider again with the SAME idempotency key.

A capture or refund is written ``pending`` (committed, counting against what may still be captured or
refunded) before its provider is asked; its own id is the provider's idempotency key. When the answer
is lost (``ProviderUnavailable``, a crash, a cancellation) the row stays pending: nobody knows whether
the provider acted. Asking again with the same key makes the provider replay its first outcome instead
of acting twice, so settling is always safe:

- a confirmation records the row as succeeded and moves the payment's sums (once, under its lock);
- a definite refusal (any other error the provider raised) removes the row: nothing happened there;
- an unknown outcome again leaves it pending, and the caller is told it may retry.

Three paths settle: the same mutation retried (its request key finds the row), any new capture or refund
on the payment (pending ones first), and the recovery job. None calls a provider inside a transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from paymentgraph.errors import DomainError, IdempotencyKeyReused, ProviderUnavailable
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.providers.base import PaymentOutput
from paymentgraph.modules.payment.service.base import ServiceBase

logger = logging.getLogger(__name__)

# The extension naming the operation in errors (contract A: extensions.captureId / refundId).
OPERATION_ID_KEY = {"capture": "captureId", "refund": "refundId"}
_MODELS: dict[str, type[models.Capture] | type[models.Refund]] = {
    "capture": models.Capture,
    "refund": models.Refund,
}


@dataclass(frozen=True)
class PendingOperation:
    """A capture or refund whose provider outcome is not recorded, with what asking again needs."""

    kind: str  # capture | refund
    id: str  # also the provider's idempotency key
    amount: Decimal
    payment_id: str
    provider_id: str
    payment_data: dict[str, Any]
    currency: str


def request_key(data: dict[str, Any]) -> str | None:
    """The caller's key for this intent (``data["idempotency_key"]``): a retry with it resumes."""
    key = data.get("idempotency_key")
    return key if isinstance(key, str) and key else None


def same_request(kind: str, row_amount: Decimal, requested: Decimal | None) -> None:
    """A retry must ask for what the first request asked (an omitted amount means "the same")."""
    if requested is not None and requested != row_amount:
        raise IdempotencyKeyReused(
            f"This idempotency key already belongs to a {kind} of {row_amount}; use a new key for a new "
            f"{kind}",
            field="amount",
        )


def naming(error: DomainError, op: PendingOperation) -> DomainError:
    """``error`` with the operation's id in its extensions (contract key) and its payment's id."""
    error.details.setdefault(OPERATION_ID_KEY[op.kind], op.id)
    error.details.setdefault("payment_id", op.payment_id)
    return error


class SettlementMixin(ServiceBase):
    if TYPE_CHECKING:

        async def _capture_at_provider(
            self,
            provider_id: str,
            payment_data: dict[str, Any],
            currency: str,
            payment_id: str,
            capture_id: str,
            amount: Decimal,
        ) -> PaymentOutput: ...

        async def _record_capture(
            self, payment_id: str, capture_id: str, output: PaymentOutput
        ) -> dto.Payment: ...

        async def _refund_at_provider(
            self,
            provider_id: str,
            payment_data: dict[str, Any],
            currency: str,
            payment_id: str,
            refund_id: str,
            amount: Decimal,
        ) -> PaymentOutput: ...

        async def _record_refund(
            self, payment_id: str, refund_id: str, output: PaymentOutput
        ) -> dto.Payment: ...

    async def _settle_operation(self, op: PendingOperation) -> dto.Payment:
        """Ask again with the same key and record the outcome; returns the payment when it succeeded.

        Raises ProviderUnavailable (the row stays pending) or the provider's refusal (the row is gone),
        each naming the operation. A provider that is not loaded cannot be asked: the row stays.
        """
        self._provider(op.provider_id)  # NotFound before anything: not asking is not a refusal
        ask = self._capture_at_provider if op.kind == "capture" else self._refund_at_provider
        try:
            output = await ask(op.provider_id, op.payment_data, op.currency, op.payment_id, op.id, op.amount)
        except ProviderUnavailable as exc:
            naming(exc, op)
            raise
        except DomainError as exc:
            await self._drop_pending(_MODELS[op.kind], op.id)
            naming(exc, op)
            raise
        if op.kind == "capture":
            return await self._record_capture(op.payment_id, op.id, output)
        return await self._record_refund(op.payment_id, op.id, output)

    async def _reserve_and_call(
        self,
        reserve: Callable[[bool], Awaitable[Any]],
        call_reserved: Callable[[Any], Awaitable[dto.Payment]],
        *,
        keyed: bool,
    ) -> dto.Payment:
        """The one loop of a new capture or refund: reserve under the lock, settle what comes first, call.

        ``reserve(settle_first)`` returns the finished payment, an operation to resume (same request key),
        the payment's pending operations to settle first, or a reserved step (with its ``op``) that
        ``call_reserved`` is given.
        """
        settle_first, raced = True, False
        while True:
            try:
                step = await reserve(settle_first)
            except IntegrityError:
                if not keyed or raced:
                    raise
                raced = True  # a concurrent request with the same key wrote its row first: resume it
                continue
            if isinstance(step, dto.Payment):
                return step
            if isinstance(step, PendingOperation):
                return await self._settle_operation(step)
            if isinstance(step, list):
                # One round: what is still unknown afterwards keeps counting against the limit.
                await self._settle_before_new(step)
                settle_first = False
                continue
            return await call_reserved(step)

    async def _settle_before_new(self, ops: list[PendingOperation]) -> None:
        """Settle the payment's pending operations before a new one is accepted.

        What stays unknown keeps counting against the limits, so the new operation may go ahead
        safely; a refusal removed its row (the amount is free again).
        """
        for op in ops:
            try:
                await self._settle_operation(op)
            except DomainError as exc:
                logger.warning("pending %s %s not recorded: %s: %s", op.kind, op.id, exc.code, exc.message)
