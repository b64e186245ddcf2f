"""Row locks for read-check-write sequences on money.

PostgreSQL: ``SELECT ... FOR UPDATE`` locks the selected rows until the transaction ends, so two
concurrent captures on one payment run one after the other. SQLite has no row locks; the caller's
:func:`paymentgraph.db.session.write_transaction` already holds the database write lock, which
serialises every writer, so the plain SELECT is enough there.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T", bound=tuple[Any, ...])


def for_update(session: AsyncSession, stmt: Select[T]) -> Select[T]:
    """``stmt`` with a row lock where the database has row locks."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        return stmt.with_for_update()
    return stmt
