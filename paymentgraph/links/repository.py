"""All SQL of the link service: link rows, existence checks and cascade soft-deletes.

Everything is driven by tables (the generated link tables and the entities' tables), so a new link
definition needs no code here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.entity import EntityDef
from paymentgraph.db.types import utcnow


def _live(table: Table) -> Any:
    return table.c.deleted_at.is_(None)


async def existing_ids(session: AsyncSession, entity: EntityDef, ids: Sequence[str]) -> set[str]:
    """The ids among ``ids`` that name live records of ``entity``."""
    pk = entity.table.c[entity.primary_key]
    stmt = select(pk).where(pk.in_(list(ids)))
    if "deleted_at" in entity.table.c:
        stmt = stmt.where(_live(entity.table))
    return set((await session.scalars(stmt)).all())


async def find_pair(
    session: AsyncSession, table: Table, left_key: str, left_id: str, right_key: str, right_id: str
) -> dict[str, Any] | None:
    """The row of a pair, live or dismissed."""
    stmt = select(table).where(table.c[left_key] == left_id, table.c[right_key] == right_id)
    row = (await session.execute(stmt)).mappings().first()
    return dict(row) if row is not None else None


async def live_partner(
    session: AsyncSession, table: Table, key: str, value: str, other_key: str, other_value: str
) -> str | None:
    """Another live partner of ``value`` (a value of ``other_key`` other than ``other_value``)."""
    stmt = (
        select(table.c[other_key])
        .where(table.c[key] == value, table.c[other_key] != other_value, _live(table))
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


async def insert_row(session: AsyncSession, table: Table, values: dict[str, Any]) -> dict[str, Any]:
    now = utcnow()
    row = {**values, "created_at": now, "updated_at": now, "deleted_at": None}
    await session.execute(insert(table).values(**row))
    return row


async def revive(
    session: AsyncSession, table: Table, row: dict[str, Any], left_key: str, right_key: str
) -> dict[str, Any]:
    now = utcnow()
    await session.execute(
        update(table)
        .where(table.c[left_key] == row[left_key], table.c[right_key] == row[right_key])
        .values(deleted_at=None, updated_at=now)
    )
    return {**row, "deleted_at": None, "updated_at": now}


async def select_live(
    session: AsyncSession, table: Table, conditions: Sequence[tuple[str, Sequence[str]]]
) -> list[dict[str, Any]]:
    """Live rows where every ``(column, ids)`` condition holds (IN), oldest first."""
    stmt = select(table).where(_live(table))
    for column, ids in conditions:
        stmt = stmt.where(table.c[column].in_(list(ids)))
    stmt = stmt.order_by(table.c.created_at, table.c.id)
    return [dict(row) for row in (await session.execute(stmt)).mappings().all()]


async def soft_delete_rows(
    session: AsyncSession, table: Table, conditions: Sequence[tuple[str, Sequence[str]]]
) -> list[dict[str, Any]]:
    """Soft-delete the live rows matching ``conditions`` and return them (as they were)."""
    rows = await select_live(session, table, conditions)
    if rows:
        now = utcnow()
        stmt = update(table).where(_live(table)).values(deleted_at=now, updated_at=now)
        for column, ids in conditions:
            stmt = stmt.where(table.c[column].in_(list(ids)))
        await session.execute(stmt)
    return rows


async def soft_delete_records(
    session: AsyncSession, table: Table, column: str, ids: Sequence[str]
) -> list[str]:
    """Soft-delete live records whose ``column`` is in ``ids``; returns their primary keys."""
    if "deleted_at" not in table.c or not ids:
        return []
    pk = next(iter(table.primary_key.columns))
    found = list(
        (await session.scalars(select(pk).where(table.c[column].in_(list(ids)), _live(table)))).all()
    )
    if found:
        now = utcnow()
        values = {"deleted_at": now, **({"updated_at": now} if "updated_at" in table.c else {})}
        await session.execute(update(table).where(pk.in_(found)).values(**values))
    return found
