"""SQL for payments, captures and refunds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.locking import for_update
from paymentgraph.modules.payment.models import Capture, Payment, PaymentSession, Refund
from paymentgraph.modules.payment.repository.common import children, live


async def live_payment_for_session(session: AsyncSession, session_id: str) -> Payment | None:
    stmt = live(Payment).where(Payment.payment_session_id == session_id)
    return (await session.execute(stmt)).scalars().first()


async def lock_session(session: AsyncSession, session_id: str) -> PaymentSession | None:
    stmt = for_update(session, live(PaymentSession).where(PaymentSession.id == session_id))
    return (await session.execute(stmt)).scalars().first()


async def captures_of(session: AsyncSession, payment_ids: Sequence[str]) -> list[Capture]:
    return await children(session, Capture, "payment_id", payment_ids)


async def refunds_of(session: AsyncSession, payment_ids: Sequence[str]) -> list[Refund]:
    return await children(session, Refund, "payment_id", payment_ids)


async def payment_ids_with_captures(session: AsyncSession, payment_ids: Sequence[str]) -> set[str]:
    if not payment_ids:
        return set()
    stmt = select(Capture.payment_id).where(
        Capture.payment_id.in_(list(payment_ids)), Capture.deleted_at.is_(None)
    )
    return set((await session.execute(stmt)).scalars())


async def stale_pending(
    session: AsyncSession, model: type[Capture] | type[Refund], created_before: datetime
) -> list[tuple[Capture | Refund, Payment]]:
    """Captures or refunds pending since before ``created_before``, with their payments, oldest first."""
    stmt = (
        select(model, Payment)
        .join(Payment, Payment.id == model.payment_id)
        .where(model.status == "pending", model.deleted_at.is_(None), model.created_at < created_before)
        .order_by(model.created_at, model.id)
    )
    # select() over a union of models is typed as the base class; the rows are of ``model``.
    return [(cast(Capture | Refund, row), payment) for row, payment in (await session.execute(stmt)).all()]
