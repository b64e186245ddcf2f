"""All SQL of the cart module."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.types import utcnow
from paymentgraph.modules.cart.models import Cart, LineItem

FILTERABLE = ("id", "region_id", "customer_id", "email", "currency_code")


async def add(session: AsyncSession, cart: Cart, items: Sequence[LineItem]) -> None:
    session.add(cart)
    await session.flush()
    session.add_all(items)
    await session.flush()


async def add_items(session: AsyncSession, items: Sequence[LineItem]) -> None:
    session.add_all(items)
    await session.flush()


async def get_live(session: AsyncSession, ids: Sequence[str], *, lock: bool = False) -> list[Cart]:
    stmt = select(Cart).where(Cart.id.in_(list(ids)), Cart.deleted_at.is_(None))
    # Item changes and completion read-check-write the cart; serialise them per cart
    # (a row lock on PostgreSQL; SQLite's write transaction already serialises writers).
    if lock and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return list((await session.scalars(stmt)).all())


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


async def list_live(
    session: AsyncSession, filters: Mapping[str, Any], *, skip: int, take: int | None
) -> list[Cart]:
    stmt = select(Cart).where(Cart.deleted_at.is_(None))
    for name, value in filters.items():
        column = getattr(Cart, name)
        stmt = stmt.where(column.in_(value) if isinstance(value, list) else column == value)
    stmt = stmt.order_by(Cart.created_at, Cart.id).offset(skip)
    if take is not None:
        stmt = stmt.limit(take)
    return list((await session.scalars(stmt)).all())


async def soft_delete(session: AsyncSession, carts: Sequence[Cart], items: Sequence[LineItem]) -> None:
    now = utcnow()
    for cart in carts:
        cart.deleted_at = now
    for item in items:
        item.deleted_at = now
    await session.flush()
