"""SQL statements per request, counted on the engine (transaction control and PRAGMAs excluded)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE"}


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def _on_execute(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.split(None, 1)
        if words and words[0].upper() not in _CONTROL:
            self.statements.append(statement)


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[StatementCounter]:
    """Count the statements ``engine`` sends while the block runs."""
    counter = StatementCounter()
    event.listen(engine.sync_engine, "before_cursor_execute", counter._on_execute)
    try:
        yield counter
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", counter._on_execute)
