"""Settling pending captures and refunds (see ``pending.py``), and the loop every new one goes through."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.errors import DomainError, ProviderUnavailable
from paymentgraph.modules.payment import dto
from paymentgraph.modules.payment.service.capture_settlement import CaptureSettlementService
from paymentgraph.modules.payment.service.pending import PendingOperation, drop_pending, naming
from paymentgraph.modules.payment.service.provider_calls import ProviderCalls
from paymentgraph.modules.payment.service.refund_settlement import RefundSettlementService

logger = logging.getLogger(__name__)


class SettlementService:
    """Asks again for a pending capture (``captures``) or refund (``refunds``) and records the outcome."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        providers: ProviderCalls,
        captures: CaptureSettlementService,
        refunds: RefundSettlementService,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._providers = providers
        self._captures = captures
        self._refunds = refunds

    async def settle(self, op: PendingOperation) -> dto.Payment:
        """Ask again with the same key and record the outcome; returns the payment when it succeeded.

        Raises ProviderUnavailable (the row stays pending) or the provider's refusal (the row is gone),
        each naming the operation. A provider that is not loaded cannot be asked: the row stays.
        """
        self._providers.get(op.provider_id)  # NotFound before anything: not asking is not a refusal
        kind = self._captures if op.kind == "capture" else self._refunds
        try:
            output = await kind.ask(op)
        except ProviderUnavailable as exc:
            naming(exc, op)
            raise
        except DomainError as exc:
            await drop_pending(self._sessionmaker, op)
            naming(exc, op)
            raise
        return await kind.record(op, output)

    async def reserve_and_call(
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
                return await self.settle(step)
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
                await self.settle(op)
            except DomainError as exc:
                logger.warning("pending %s %s not recorded: %s: %s", op.kind, op.id, exc.code, exc.message)
