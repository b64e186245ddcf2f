"""All SQL of the order module."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.types import utcnow
from paymentgraph.modules.order.models import Order, OrderClaim, OrderExchange, OrderLineItem

ORDER_FILTERABLE = ("id", "display_id", "region_id", "customer_id", "cart_id", "email", "currency_code")
CLAIM_FILTERABLE = ("id", "order_id", "type")
EXCHANGE_FILTERABLE = ("id", "order_id")

# Any constant works: it names the one advisory lock that serialises display id assignment.
_DISPLAY_ID_LOCK = 7_304_211_001

Row = TypeVar("Row", Order, OrderClaim, OrderExchange)


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


async def live_order_for_cart(session: AsyncSession, cart_id: str) -> Order | None:
    stmt = select(Order).where(Order.cart_id == cart_id, Order.deleted_at.is_(None))
    return (await session.scalars(stmt)).first()


async def add(session: AsyncSession, rows: Sequence[Any]) -> None:
    session.add_all(rows)
    await session.flush()


async def get_live(session: AsyncSession, model: type[Row], ids: Sequence[str]) -> list[Row]:
    stmt = select(model).where(model.id.in_(list(ids)), model.deleted_at.is_(None))
    return list((await session.scalars(stmt)).all())


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


async def list_live(
    session: AsyncSession, model: type[Row], filters: Mapping[str, Any], *, skip: int, take: int | None
) -> list[Row]:
    stmt = select(model).where(model.deleted_at.is_(None))
    for name, value in filters.items():
        column = getattr(model, name)
        stmt = stmt.where(column.in_(value) if isinstance(value, list) else column == value)
    stmt = stmt.order_by(model.created_at, model.id).offset(skip)
    if take is not None:
        stmt = stmt.limit(take)
    return list((await session.scalars(stmt)).all())


async def children_of(
    session: AsyncSession, order_ids: Sequence[str]
) -> tuple[list[OrderLineItem], list[OrderClaim], list[OrderExchange]]:
    """The live items, claims and exchanges of orders."""
    found: list[list[Any]] = []
    for model in (OrderLineItem, OrderClaim, OrderExchange):
        stmt = select(model).where(model.order_id.in_(list(order_ids)), model.deleted_at.is_(None))
        found.append(list((await session.scalars(stmt)).all()))
    return found[0], found[1], found[2]


async def soft_delete(session: AsyncSession, rows: Sequence[Any]) -> None:
    now = utcnow()
    for row in rows:
        row.deleted_at = now
    await session.flush()
