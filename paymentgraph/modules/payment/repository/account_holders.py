"""SQL for account holders."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.modules.payment.models import AccountHolder
from paymentgraph.modules.payment.repository.common import live


async def find_account_holder(
    session: AsyncSession, provider_id: str, external_id: str
) -> AccountHolder | None:
    stmt = live(AccountHolder).where(
        AccountHolder.provider_id == provider_id, AccountHolder.external_id == external_id
    )
    return (await session.execute(stmt)).scalars().first()
