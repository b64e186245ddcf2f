"""The recovery job: settle captures and refunds left pending by a lost answer, a crash or a cancellation.

Such a row counts toward the capturable (refundable) limit but not toward the payment's sums, and
nobody knows whether the provider acted. ``recover_pending_operations`` asks the provider again with
the SAME idempotency key (the capture or refund id, see ``pending.py``), so a call that did reach the
provider is replayed rather than repeated: a confirmation records the row as succeeded, a refusal
removes it, an unknown outcome leaves it for the next run. Only rows older than ``older_than`` are
touched (0: all), so by default calls still in flight are left alone; were one asked again anyway, the
shared key makes the provider act once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.session import read_session
from paymentgraph.db.types import utcnow
from paymentgraph.errors import DomainError, InvalidData, NotFound, ProviderUnavailable
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.repository import payments as payment_repo
from paymentgraph.modules.payment.service.pending import PendingOperation
from paymentgraph.modules.payment.service.settlement import SettlementService

logger = logging.getLogger(__name__)

RECOVER_AFTER = timedelta(minutes=5)


class RecoveryService:
    """The recovery job's pass over stale pending captures and refunds, each settled by ``settlement``."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settlement: SettlementService) -> None:
        self._sessionmaker = sessionmaker
        self._settlement = settlement

    async def recover_pending_operations(
        self, *, older_than: timedelta = RECOVER_AFTER
    ) -> list[dto.RecoveredOperation]:
        """Settle every capture and refund pending for longer than ``older_than`` (may be 0: all of them).

        Returns one outcome per row: ``recorded``, ``removed`` (refused by the provider) or ``failed``
        (still unknown, or the provider cannot be asked; it stays pending for the next run).
        """
        if older_than < timedelta(0):
            raise InvalidData("older_than must not be negative", field="older_than")
        before = utcnow() - older_than
        async with read_session(self._sessionmaker) as session:
            captures = await payment_repo.stale_pending(session, models.Capture, before)
            refunds = await payment_repo.stale_pending(session, models.Refund, before)
            # Plain values: the provider is called after this session is closed.
            ops = [
                PendingOperation(
                    kind, row.id, row.amount, p.id, p.provider_id, dict(p.data or {}), p.currency_code
                )
                for kind, found in (("capture", captures), ("refund", refunds))
                for row, p in found
            ]
        return [await self._recover(op) for op in ops]

    async def _recover(self, op: PendingOperation) -> dto.RecoveredOperation:
        def outcome(name: str, error: str | None = None) -> dto.RecoveredOperation:
            return dto.RecoveredOperation(op.kind, op.id, op.payment_id, op.amount, name, error)

        try:
            await self._settlement.settle(op)
        except (ProviderUnavailable, NotFound) as exc:
            # Still unknown, or the provider cannot be asked: the row stays pending for the next run.
            logger.warning("pending %s %s of payment %s not settled: %s", op.kind, op.id, op.payment_id, exc)
            return outcome("failed", f"{exc.code}: {exc.message}")
        except DomainError as exc:
            # The provider refused: the operation did not happen there, and its row is gone.
            logger.warning("pending %s %s of payment %s refused: %s", op.kind, op.id, op.payment_id, exc)
            return outcome("removed", f"{exc.code}: {exc.message}")
        except Exception as exc:
            logger.exception("settling pending %s %s of payment %s failed", op.kind, op.id, op.payment_id)
            return outcome("failed", f"{type(exc).__name__}: {exc}")
        logger.info("pending %s %s of payment %s recorded after recovery", op.kind, op.id, op.payment_id)
        return outcome("recorded")
