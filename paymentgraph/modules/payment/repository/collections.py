"""SQL for payment collections and what their recomputation reads."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.modules.payment.models import Payment, PaymentSession
from paymentgraph.modules.payment.repository.common import children


async def sessions_of(session: AsyncSession, collection_ids: Sequence[str]) -> list[PaymentSession]:
    return await children(session, PaymentSession, "payment_collection_id", collection_ids)


async def payments_of(session: AsyncSession, collection_ids: Sequence[str]) -> list[Payment]:
    return await children(session, Payment, "payment_collection_id", collection_ids)
