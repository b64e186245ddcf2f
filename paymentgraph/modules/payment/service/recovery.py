"""Settling captures and refunds left pending by a crash between their commit and the provider's answer.

Such a row counts toward the capturable (refundable) limit but not toward the payment's sums, and
nobody knows whether the provider acted. ``recover_pending_operations`` asks the provider again with
the SAME idempotency key (the capture or refund id), so a call that did reach the provider is replayed
rather than repeated: a confirmation records the row as succeeded, a refusal removes it. Only rows
older than ``older_than`` are touched, so calls still in flight are left alone.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from paymentgraph.db.session import read_session
from paymentgraph.db.types import utcnow
from paymentgraph.errors import DomainError
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.providers.base import PaymentOutput
from paymentgraph.modules.payment.repository import payments as payment_repo
from paymentgraph.modules.payment.service.base import ServiceBase

logger = logging.getLogger(__name__)

RECOVER_AFTER = timedelta(minutes=5)


class RecoveryMixin(ServiceBase):
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

    async def recover_pending_operations(
        self, *, older_than: timedelta = RECOVER_AFTER
    ) -> list[dto.RecoveredOperation]:
        """Retry every capture and refund pending for longer than ``older_than``; returns the outcomes."""
        before = utcnow() - older_than
        async with read_session(self.sessionmaker) as session:
            captures = await payment_repo.stale_pending(session, models.Capture, before)
            refunds = await payment_repo.stale_pending(session, models.Refund, before)
            work = [("capture", row.id, row.amount, p) for row, p in captures]
            work += [("refund", row.id, row.amount, p) for row, p in refunds]
            # Plain values: the provider is called after this session is closed.
            jobs = [
                (kind, id, amount, p.id, p.provider_id, dict(p.data or {}), p.currency_code)
                for kind, id, amount, p in work
            ]
        outcomes = []
        for kind, id, amount, payment_id, provider_id, data, currency in jobs:
            outcomes.append(await self._recover(kind, id, amount, payment_id, provider_id, data, currency))
        return outcomes

    async def _recover(
        self,
        kind: str,
        id: str,
        amount: Decimal,
        payment_id: str,
        provider_id: str,
        data: dict[str, Any],
        currency: str,
    ) -> dto.RecoveredOperation:
        def outcome(name: str, error: str | None = None) -> dto.RecoveredOperation:
            return dto.RecoveredOperation(kind, id, payment_id, amount, name, error)

        ask = self._capture_at_provider if kind == "capture" else self._refund_at_provider
        try:
            output = await ask(provider_id, data, currency, payment_id, id, amount)
        except DomainError as exc:
            # The provider refused (or cannot be asked): the operation did not happen there.
            logger.warning("pending %s %s of payment %s refused: %s", kind, id, payment_id, exc.message)
            await self._drop_pending(models.Capture if kind == "capture" else models.Refund, id)
            return outcome("removed", f"{exc.code}: {exc.message}")
        except Exception as exc:
            logger.exception("recovering pending %s %s of payment %s failed", kind, id, payment_id)
            return outcome("failed", f"{type(exc).__name__}: {exc}")
        try:
            if kind == "capture":
                await self._record_capture(payment_id, id, output)
            else:
                await self._record_refund(payment_id, id, output)
        except Exception as exc:
            logger.exception("recording recovered %s %s of payment %s failed", kind, id, payment_id)
            return outcome("failed", f"{type(exc).__name__}: {exc}")
        logger.info("pending %s %s of payment %s recorded after recovery", kind, id, payment_id)
        return outcome("recorded")
