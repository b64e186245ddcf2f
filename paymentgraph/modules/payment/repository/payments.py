"""SQL for payments, captures and refunds."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.locking import for_update
from paymentgraph.modules.payment.models import Capture, Payment, PaymentSession, Refund
from paymentgraph.modules.payment.repository.common import children, live


async def live_payment_for_session(session: AsyncSession, session_id: str) -> Payment | None:
    stmt = live(Payment).where(Payment.payment_session_id == session_id)
    return (await session.execute(stmt)).scalars().first()


async def payments_for_sessions(session: AsyncSession, session_ids: Sequence[str]) -> list[Payment]:
    return await children(session, Payment, "payment_session_id", session_ids)


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
