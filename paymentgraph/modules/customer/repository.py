"""All SQL of the customer module."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.types import utcnow
from paymentgraph.modules.customer.models import Customer

FILTERABLE = ("id", "email", "first_name", "last_name")


async def add(session: AsyncSession, customer: Customer) -> Customer:
    session.add(customer)
    await session.flush()
    return customer


async def get_live(session: AsyncSession, ids: Sequence[str]) -> list[Customer]:
    stmt = select(Customer).where(Customer.id.in_(list(ids)), Customer.deleted_at.is_(None))
    return list((await session.scalars(stmt)).all())


async def list_live(
    session: AsyncSession, filters: Mapping[str, Any], *, skip: int, take: int | None
) -> list[Customer]:
    stmt = select(Customer).where(Customer.deleted_at.is_(None))
    for name, value in filters.items():
        column = getattr(Customer, name)
        stmt = stmt.where(column.in_(value) if isinstance(value, list) else column == value)
    stmt = stmt.order_by(Customer.created_at, Customer.id).offset(skip)
    if take is not None:
        stmt = stmt.limit(take)
    return list((await session.scalars(stmt)).all())


async def soft_delete(session: AsyncSession, rows: Sequence[Customer]) -> None:
    now = utcnow()
    for row in rows:
        row.deleted_at = now
    await session.flush()
