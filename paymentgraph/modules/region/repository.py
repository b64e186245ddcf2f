"""All SQL of the region module."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.types import utcnow
from paymentgraph.modules.region.models import Region

FILTERABLE = ("id", "name", "currency_code")


async def add(session: AsyncSession, region: Region) -> Region:
    session.add(region)
    await session.flush()
    return region


async def get_live(session: AsyncSession, ids: Sequence[str]) -> list[Region]:
    stmt = select(Region).where(Region.id.in_(list(ids)), Region.deleted_at.is_(None))
    return list((await session.scalars(stmt)).all())


async def list_live(
    session: AsyncSession, filters: Mapping[str, Any], *, skip: int, take: int | None
) -> list[Region]:
    stmt = select(Region).where(Region.deleted_at.is_(None))
    for name, value in filters.items():
        column = getattr(Region, name)
        stmt = stmt.where(column.in_(value) if isinstance(value, list) else column == value)
    stmt = stmt.order_by(Region.created_at, Region.id).offset(skip)
    if take is not None:
        stmt = stmt.limit(take)
    return list((await session.scalars(stmt)).all())


async def soft_delete(session: AsyncSession, rows: Sequence[Region]) -> None:
    now = utcnow()
    for row in rows:
        row.deleted_at = now
    await session.flush()
