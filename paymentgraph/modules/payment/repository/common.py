"""Generic reads and writes shared by the payment module's repositories."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, Table, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.base import Base
from paymentgraph.db.locking import for_update
from paymentgraph.db.types import comparable, comparable_value
from paymentgraph.errors import InvalidData

M = TypeVar("M", bound=Base)

# Attribute names differ from column names only for metadata (reserved by SQLAlchemy).
_ATTRIBUTE = {"metadata": "metadata_"}


def attribute(name: str) -> str:
    return _ATTRIBUTE.get(name, name)


def split_columns(row: Mapping[Any, Any], prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``row``'s columns without ``prefix``, and those with it (keyed without it)."""
    plain: dict[str, Any] = {}
    prefixed: dict[str, Any] = {}
    for key, value in row.items():
        if key.startswith(prefix):
            prefixed[key[len(prefix) :]] = value
        else:
            plain[key] = value
    return plain, prefixed


def live(model: type[M]) -> Select[Any]:
    """Rows of ``model`` that are not soft-deleted."""
    stmt = select(model)
    deleted_at = getattr(model, "deleted_at", None)
    return stmt.where(deleted_at.is_(None)) if deleted_at is not None else stmt


def apply_filters(stmt: Select[Any], model: type[M], filters: Mapping[str, Any] | None) -> Select[Any]:
    """Equality filters; a list or tuple means IN, ``{"$in": [...]}`` / ``{"$ne": x}`` are accepted too."""
    table: Table = model.__table__  # type: ignore[assignment]
    for key, value in (filters or {}).items():
        if key not in table.c or key == "metadata":
            raise InvalidData(f"Cannot filter {table.name} by {key!r}", field=key)
        column = table.c[key]
        target = comparable(column)
        if isinstance(value, Mapping):
            for op, operand in value.items():
                if op == "$in":
                    stmt = stmt.where(target.in_([comparable_value(column, v) for v in operand]))
                elif op == "$nin":
                    stmt = stmt.where(target.not_in([comparable_value(column, v) for v in operand]))
                elif op == "$eq":
                    stmt = stmt.where(_eq(column, target, operand))
                elif op == "$ne":
                    stmt = stmt.where(
                        column.is_not(None)
                        if operand is None
                        else target != comparable_value(column, operand)
                    )
                else:
                    raise InvalidData(f"Unsupported filter operator {op!r} on {key}", field=key)
        elif isinstance(value, list | tuple | set | frozenset):
            stmt = stmt.where(target.in_([comparable_value(column, v) for v in value]))
        else:
            stmt = stmt.where(_eq(column, target, value))
    return stmt


def _eq(column: Any, target: Any, value: Any) -> Any:
    return column.is_(None) if value is None else target == comparable_value(column, value)


async def get(session: AsyncSession, model: type[M], id: str, *, lock: bool = False) -> M | None:
    stmt = live(model).where(model.id == id)  # type: ignore[attr-defined]
    if lock:
        stmt = for_update(session, stmt)
    return (await session.execute(stmt)).scalars().first()


async def get_many(
    session: AsyncSession, model: type[M], ids: Sequence[str], *, lock: bool = False
) -> list[M]:
    if not ids:
        return []
    stmt = live(model).where(model.id.in_(list(ids)))  # type: ignore[attr-defined]
    if lock:
        stmt = for_update(session, stmt.order_by(model.id))  # type: ignore[attr-defined]  # one lock order
    return list((await session.execute(stmt)).scalars())


async def list_rows(
    session: AsyncSession,
    model: type[M],
    filters: Mapping[str, Any] | None = None,
    *,
    skip: int = 0,
    take: int | None = None,
) -> list[M]:
    stmt = apply_filters(live(model), model, filters)
    order = [getattr(model, "created_at", None), model.id]  # type: ignore[attr-defined]
    stmt = stmt.order_by(*[c for c in order if c is not None]).offset(skip)
    if take is not None:
        stmt = stmt.limit(take)
    return list((await session.execute(stmt)).scalars())


async def count_rows(session: AsyncSession, model: type[M], filters: Mapping[str, Any] | None = None) -> int:
    """How many live rows ``list_rows`` would return without skip and take."""
    stmt = apply_filters(live(model), model, filters)
    return int((await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one())


async def children(session: AsyncSession, model: type[M], key: str, parent_ids: Sequence[str]) -> list[M]:
    """Live rows of ``model`` whose ``key`` is one of ``parent_ids``, oldest first (one statement)."""
    if not parent_ids:
        return []
    column = getattr(model, key)
    stmt = live(model).where(column.in_(list(parent_ids))).order_by(model.created_at, model.id)  # type: ignore[attr-defined]
    return list((await session.execute(stmt)).scalars())


async def insert(session: AsyncSession, model: type[M], values: Mapping[str, Any]) -> M:
    row = model(**{attribute(k): v for k, v in values.items()})
    session.add(row)
    await session.flush()
    return row


async def update(session: AsyncSession, row: M, values: Mapping[str, Any]) -> M:
    for key, value in values.items():
        setattr(row, attribute(key), value)
    await session.flush()
    return row


async def hard_delete(session: AsyncSession, model: type[M], ids: Sequence[str]) -> None:
    if ids:
        await session.execute(delete(model).where(model.id.in_(list(ids))))  # type: ignore[attr-defined]
