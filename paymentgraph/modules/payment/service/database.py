"""The payment module's way to its database: transactions, and lone statements without BEGIN/COMMIT."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from paymentgraph.db.session import write_transaction


class Database:
    """The sessionmaker, and on PostgreSQL an autocommit engine for writes that are one statement."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker
        engine: AsyncEngine = sessionmaker.kw["bind"]
        # PostgreSQL runs a lone statement as its own transaction: autocommit saves the BEGIN and the
        # COMMIT round trips. (Not on SQLite, whose writers must take the write lock up front.)
        self.autocommit: AsyncEngine | None = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else None
        )

    @asynccontextmanager
    async def one_statement_write(self) -> AsyncIterator[AsyncConnection]:
        """A connection for ONE self-contained write statement (atomic on its own; never two)."""
        if self.autocommit is None:
            async with write_transaction(self.sessionmaker) as session:
                yield await session.connection()
            return
        async with self.autocommit.connect() as conn:
            yield conn

    @asynccontextmanager
    async def one_statement_read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for ONE read statement (a consistent snapshot on its own)."""
        engine: AsyncEngine = self.autocommit or self.sessionmaker.kw["bind"]
        async with engine.connect() as conn:
            yield conn
