"""Generic reads and writes of soft-deletable rows, shared by the small modules' repositories.

A module's ``repository.py`` declares one :class:`LiveRows` per table and keeps its own queries (items
by cart, order display ids); services add, update and soft-delete rows with the functions below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.base import SoftDeleteMixin
from paymentgraph.db.locking import for_update
from paymentgraph.db.types import utcnow
from paymentgraph.errors import not_found


class LiveRow(Protocol):
    """A row with a string id, a creation time and Medusa's soft delete."""

    id: str
    created_at: datetime
    deleted_at: datetime | None


M = TypeVar("M", bound=LiveRow)


class LiveRows(Generic[M]):
    """The live (not soft-deleted) rows of one model, and the columns callers may filter on."""

    def __init__(self, model: type[M], *, filterable: Sequence[str]) -> None:
        self.model = model
        # Statements use the model's columns (class attributes), which the protocol cannot describe.
        self._columns: Any = model
        self.filterable = tuple(filterable)

    async def get_live(self, session: AsyncSession, ids: Sequence[str], *, lock: bool = False) -> list[M]:
        """The live rows among ``ids`` (unknown ids are skipped), row-locked when ``lock``."""
        model = self._columns
        stmt: Select[Any] = select(model).where(model.id.in_(list(ids)), model.deleted_at.is_(None))
        return list((await session.scalars(for_update(session, stmt) if lock else stmt)).all())

    async def require_one(self, session: AsyncSession, id: str, *, lock: bool = False) -> M:
        """The live row ``id``, or NotFound."""
        return (await self.require_all(session, [id], lock=lock))[0]

    async def require_all(self, session: AsyncSession, ids: Sequence[str], *, lock: bool = False) -> list[M]:
        """The live rows of every id; NotFound names the first missing id (sorted) otherwise."""
        rows = await self.get_live(session, ids, lock=lock)
        missing = set(ids) - {row.id for row in rows}
        if missing:
            # Class names are Medusa's entity names: "Cart with id: cart_x was not found".
            raise not_found(self.model.__name__, sorted(missing)[0])
        return rows

    async def list_live(
        self, session: AsyncSession, filters: Mapping[str, Any], *, skip: int, take: int | None
    ) -> list[M]:
        """Live rows matching ``{column: value}`` (a list means IN), oldest first."""
        model = self._columns
        stmt = select(model).where(model.deleted_at.is_(None))
        for name, value in filters.items():
            column = getattr(model, name)
            stmt = stmt.where(column.in_(value) if isinstance(value, list) else column == value)
        stmt = stmt.order_by(model.created_at, model.id).offset(skip)
        if take is not None:
            stmt = stmt.limit(take)
        return list((await session.scalars(stmt)).all())

    async def count_live(self, session: AsyncSession, filters: Mapping[str, Any]) -> int:
        """How many live rows ``list_live`` would return without skip and take."""
        model = self._columns
        stmt = select(func.count()).select_from(model).where(model.deleted_at.is_(None))
        for name, value in filters.items():
            column = getattr(model, name)
            stmt = stmt.where(column.in_(value) if isinstance(value, list) else column == value)
        return int((await session.execute(stmt)).scalar_one())

    async def require_deleted(self, session: AsyncSession, ids: Sequence[str]) -> list[M]:
        """The soft-deleted rows of every id (to restore them); NotFound names the first other id."""
        model = self._columns
        stmt: Select[Any] = select(model).where(model.id.in_(list(ids)), model.deleted_at.is_not(None))
        rows = list((await session.scalars(stmt)).all())
        missing = set(ids) - {row.id for row in rows}
        if missing:
            raise not_found(self.model.__name__, sorted(missing)[0])
        return rows


async def add(session: AsyncSession, rows: Iterable[object]) -> None:
    """Insert ``rows`` in one flush."""
    session.add_all(rows)
    await session.flush()


async def update(session: AsyncSession, row: object, changes: Mapping[str, Any]) -> None:
    """Set ``changes`` (attribute name to value) on ``row`` and flush."""
    for name, value in changes.items():
        setattr(row, name, value)
    await session.flush()


async def soft_delete(session: AsyncSession, rows: Iterable[SoftDeleteMixin]) -> None:
    """Mark ``rows`` deleted, all with the same ``deleted_at``."""
    now = utcnow()
    for row in rows:
        row.deleted_at = now
    await session.flush()
