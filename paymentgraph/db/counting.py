"""The SQL statements an engine sends, counted (for bench/ and the statement-count tests).

By default transaction control and PRAGMAs are left out (what the nested-read and events measurements
report). With ``control=True`` BEGIN, COMMIT and ROLLBACK are counted too, as the database receives
them: SQLAlchemy fires its ``begin`` event on every autobegin, also on an AUTOCOMMIT connection where
asyncpg sends nothing, and asyncpg sends BEGIN only with a transaction's first statement; so the
driver's own transaction state decides, not SQLAlchemy's events alone. (On SQLite BEGIN is a statement
the engine executes itself, see paymentgraph/db/session.py, so it is counted as one.) The query graph's
reads that go to asyncpg directly (db/native.py) are counted too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from paymentgraph.db import native

_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE"}
_TRANSACTION_EVENTS = ("commit", "rollback")


def _driver_in_transaction(conn: Any) -> bool:
    """Whether the driver connection under ``conn`` has a transaction open at the database."""
    dbapi_connection = conn.connection.dbapi_connection
    if hasattr(dbapi_connection, "_transaction"):  # SQLAlchemy's asyncpg adapter
        return dbapi_connection._transaction is not None
    return bool(getattr(dbapi_connection.driver_connection, "in_transaction", True))


def _sends_begin_with(conn: Any) -> bool:
    """Whether the next statement on ``conn`` goes out behind an implicit BEGIN (asyncpg's lazy one)."""
    dbapi_connection = conn.connection.dbapi_connection
    return (
        hasattr(dbapi_connection, "_transaction")
        and not dbapi_connection.autocommit
        and dbapi_connection._transaction is None
    )


class StatementCounter:
    def __init__(self, *, control: bool = False) -> None:
        self.control = control
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def by_kind(self) -> Counter[str]:
        """How many statements of each kind (the first word: SELECT, INSERT, BEGIN, ...)."""
        return Counter(s.split(None, 1)[0].upper() for s in self.statements if s.strip())

    def reset(self) -> None:
        self.statements.clear()

    def _on_execute(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.split(None, 1)
        head = words[0].upper() if words else ""
        if self.control:
            if head == "PRAGMA":
                return
            if _sends_begin_with(conn):
                self.statements.append("BEGIN")
            self.statements.append(statement)
        elif head not in _CONTROL:
            self.statements.append(statement)

    def _on_commit(self, conn: Any) -> None:
        if _driver_in_transaction(conn):
            self.statements.append("COMMIT")

    def _on_rollback(self, conn: Any) -> None:
        if not conn.invalidated and _driver_in_transaction(conn):
            self.statements.append("ROLLBACK")

    def _on_native(self, statement: str) -> None:
        self.statements.append(statement)  # a lone read outside any transaction (db/native.py)

    def attach(self, engine: AsyncEngine) -> None:
        native.listen(engine, self._on_native)
        event.listen(engine.sync_engine, "before_cursor_execute", self._on_execute)
        if self.control:
            event.listen(engine.sync_engine, "commit", self._on_commit)
            event.listen(engine.sync_engine, "rollback", self._on_rollback)

    def detach(self, engine: AsyncEngine) -> None:
        native.unlisten(engine, self._on_native)
        event.remove(engine.sync_engine, "before_cursor_execute", self._on_execute)
        if self.control:
            event.remove(engine.sync_engine, "commit", self._on_commit)
            event.remove(engine.sync_engine, "rollback", self._on_rollback)


@contextmanager
def counting(engine: AsyncEngine, *, control: bool = False) -> Iterator[StatementCounter]:
    """Count the statements ``engine`` sends while the block runs (``control``: BEGIN/COMMIT too)."""
    counter = StatementCounter(control=control)
    counter.attach(engine)
    try:
        yield counter
    finally:
        counter.detach(engine)
