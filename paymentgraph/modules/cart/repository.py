"""All SQL of the cart module: generic reads of carts (paymentgraph.db.repository) and items by cart."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.repository import LiveRows
from paymentgraph.modules.cart.models import Cart, LineItem

carts = LiveRows(Cart, filterable=("id", "region_id", "customer_id", "email", "currency_code"))


async def items_of(session: AsyncSession, cart_ids: Sequence[str]) -> dict[str, list[LineItem]]:
    stmt = (
        select(LineItem)
        .where(LineItem.cart_id.in_(list(cart_ids)), LineItem.deleted_at.is_(None))
        .order_by(LineItem.created_at, LineItem.id)
    )
    grouped: dict[str, list[LineItem]] = defaultdict(list)
    for item in (await session.scalars(stmt)).all():
        grouped[item.cart_id].append(item)
    return grouped
