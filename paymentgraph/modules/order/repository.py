"""All SQL of the order module: generic reads (paymentgraph.db.repository), display ids, children."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.repository import LiveRows
from paymentgraph.modules.order.models import Order, OrderClaim, OrderExchange, OrderLineItem

orders = LiveRows(
    Order,
    filterable=("id", "display_id", "region_id", "customer_id", "cart_id", "email", "currency_code"),
)
claims = LiveRows(OrderClaim, filterable=("id", "order_id", "type"))
exchanges = LiveRows(OrderExchange, filterable=("id", "order_id"))

# Any constant works: it names the one advisory lock that serialises display id assignment.
_DISPLAY_ID_LOCK = 7_304_211_001


async def lock_display_ids(session: AsyncSession) -> None:
    """Serialise order creation until commit, so max(display_id) + 1 and the cart check are safe.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: the write transaction already holds the
    database write lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _DISPLAY_ID_LOCK})


async def next_display_id(session: AsyncSession) -> int:
    # Soft-deleted orders keep their number: display ids are never reused.
    current = await session.scalar(select(func.max(Order.display_id)))
    return int(current or 0) + 1


async def live_orders_for_carts(session: AsyncSession, cart_ids: Sequence[str]) -> dict[str, Order]:
    """The live order of each cart that has one, by cart id (one statement)."""
    if not cart_ids:
        return {}
    stmt = select(Order).where(Order.cart_id.in_(list(cart_ids)), Order.deleted_at.is_(None))
    return {order.cart_id: order for order in (await session.scalars(stmt)).all() if order.cart_id}


async def items_of(session: AsyncSession, order_ids: Sequence[str]) -> dict[str, list[OrderLineItem]]:
    stmt = (
        select(OrderLineItem)
        .where(OrderLineItem.order_id.in_(list(order_ids)), OrderLineItem.deleted_at.is_(None))
        .order_by(OrderLineItem.created_at, OrderLineItem.id)
    )
    grouped: dict[str, list[OrderLineItem]] = defaultdict(list)
    for item in (await session.scalars(stmt)).all():
        grouped[item.order_id].append(item)
    return grouped


async def children_of(
    session: AsyncSession, order_ids: Sequence[str]
) -> tuple[list[OrderLineItem], list[OrderClaim], list[OrderExchange]]:
    """The live items, claims and exchanges of orders."""
    found: list[list[Any]] = []
    for model in (OrderLineItem, OrderClaim, OrderExchange):
        stmt = select(model).where(model.order_id.in_(list(order_ids)), model.deleted_at.is_(None))
        found.append(list((await session.scalars(stmt)).all()))
    return found[0], found[1], found[2]


async def deleted_with(
    session: AsyncSession, order_id: str, deleted_at: datetime
) -> list[OrderLineItem | OrderClaim | OrderExchange]:
    """The items, claims and exchanges soft-deleted together with an order (the same ``deleted_at``)."""
    found: list[Any] = []
    for model in (OrderLineItem, OrderClaim, OrderExchange):
        stmt = select(model).where(model.order_id == order_id, model.deleted_at == deleted_at)
        found += list((await session.scalars(stmt)).all())
    return found
