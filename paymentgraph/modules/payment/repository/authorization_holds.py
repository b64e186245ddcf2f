"""SQL for what the abandoned-authorization task looks for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, or_
from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.modules.payment.models import Capture, Payment
from paymentgraph.modules.payment.repository.common import live


async def held_authorizations(
    session: AsyncSession, *, authorized_before: datetime | None, now: datetime
) -> list[Payment]:
    """Live, uncanceled payments with no capture (pending included) that were authorized before
    ``authorized_before`` (None: any time) or whose authorization expired by ``now``; oldest first."""
    has_capture = exists().where(Capture.payment_id == Payment.id, Capture.deleted_at.is_(None))
    expired = Payment.authorization_expires_at.is_not(None) & (Payment.authorization_expires_at <= now)
    due = expired if authorized_before is None else or_(Payment.created_at < authorized_before, expired)
    stmt = (
        live(Payment)
        .where(Payment.canceled_at.is_(None), ~has_capture, due)
        .order_by(Payment.created_at, Payment.id)
    )
    return list((await session.execute(stmt)).scalars())
