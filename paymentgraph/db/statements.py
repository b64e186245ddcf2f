"""Dialect-aware statement builders shared by repositories."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_for(session: AsyncSession, table: Any) -> Any:
    """An INSERT with ``on_conflict_do_nothing/update`` for the session's database."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


async def execute_dml(session: AsyncSession, statement: Any) -> CursorResult[Any]:
    """Run an INSERT/UPDATE/DELETE; its result carries ``rowcount``."""
    return cast(CursorResult[Any], await session.execute(statement))
