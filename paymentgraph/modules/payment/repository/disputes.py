"""SQL for disputes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.locking import for_update
from paymentgraph.modules.payment.models import Dispute
from paymentgraph.modules.payment.repository.common import live


async def lock_dispute(session: AsyncSession, provider_id: str, external_id: str) -> Dispute | None:
    stmt = live(Dispute).where(Dispute.provider_id == provider_id, Dispute.external_id == external_id)
    return (await session.execute(for_update(session, stmt))).scalars().first()
