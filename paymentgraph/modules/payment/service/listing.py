"""Medusa's ``listAndCount<X>s``: a page of any payment entity and how many match in all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.base import Base
from paymentgraph.db.session import read_session
from paymentgraph.modules.payment.repository import common

T = TypeVar("T")
Filters = Mapping[str, Any] | None
Lister = Callable[..., Awaitable[list[T]]]


async def list_and_count(
    sessionmaker: async_sessionmaker[AsyncSession],
    lister: Lister[T],
    model: type[Base],
    filters: Filters,
    skip: int,
    take: int | None,
) -> tuple[list[T], int]:
    """``lister``'s page and the count of every live row matching ``filters`` (two reads)."""
    items = await lister(filters, skip=skip, take=take)
    async with read_session(sessionmaker) as session:
        count = await common.count_rows(session, model, filters)
    return items, count
