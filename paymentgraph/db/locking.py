"""Row locks for read-check-write sequences on money.

PostgreSQL: ``SELECT ... FOR NO KEY UPDATE`` locks the selected rows until the transaction ends, so two
concurrent captures on one payment run one after the other. NO KEY rather than plain FOR UPDATE: we
never change primary keys, and the weaker lock does not conflict with the KEY SHARE lock PostgreSQL
takes on a parent row while inserting a child that references it (a payment under its collection),
which otherwise deadlocks an insert against a concurrent recompute of the same collection.

SQLite has no row locks; the caller's :func:`paymentgraph.db.session.write_transaction` already
holds the database write lock, which serialises every writer, so the plain SELECT is enough there.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

S = TypeVar("S", bound=Select[Any])


def for_update(session: AsyncSession, stmt: S) -> S:
    """``stmt`` with a row lock where the database has row locks."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        return stmt.with_for_update(key_share=True)
    return stmt
