"""SQL for providers and refund reasons (reference data seeded at start)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.ids import new_id
from paymentgraph.db.types import utcnow
from paymentgraph.modules.payment.models import PaymentProvider, RefundReason

# Medusa's data migration seeds these when the table is empty (reference section 2.6).
DEFAULT_REFUND_REASONS = (
    ("Shipping Issue", "shipping_issue"),
    ("Customer Care Adjustment", "customer_care_adjustment"),
    ("Pricing Error", "pricing_error"),
)


async def upsert_providers(session: AsyncSession, loaded_ids: Iterable[str]) -> None:
    """Loaded ids become enabled rows; rows for providers no longer loaded are disabled."""
    loaded = set(loaded_ids)
    existing = {row.id: row for row in (await session.execute(select(PaymentProvider))).scalars()}
    for provider_id in sorted(loaded):
        row = existing.get(provider_id)
        if row is None:
            session.add(PaymentProvider(id=provider_id, is_enabled=True))
        elif row.deleted_at is not None:
            row.deleted_at = None
            row.is_enabled = True
    gone = [pid for pid, row in existing.items() if pid not in loaded and row.is_enabled]
    if gone:
        await session.execute(
            update(PaymentProvider)
            .where(PaymentProvider.id.in_(gone))
            .values(is_enabled=False, updated_at=utcnow())
        )
    await session.flush()


async def seed_refund_reasons(session: AsyncSession) -> None:
    """Insert the default refund reasons when the table has never held any (deleted ones count)."""
    count = (await session.execute(select(func.count()).select_from(RefundReason))).scalar_one()
    if count:
        return
    for label, code in DEFAULT_REFUND_REASONS:
        session.add(RefundReason(id=new_id("refr"), label=label, code=code))
    await session.flush()
