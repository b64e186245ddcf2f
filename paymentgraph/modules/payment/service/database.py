"""The payment module's way to its database: transactions, and lone statements without BEGIN/COMMIT."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from paymentgraph.db.session import write_transaction


class Database:
    """The sessionmaker, and on PostgreSQL autocommit connections for writes that are one statement."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker
        self._engine: AsyncEngine = sessionmaker.kw["bind"]
        # PostgreSQL runs a lone statement as its own transaction: autocommit saves the BEGIN and the
        # COMMIT round trips. (Not on SQLite, whose writers must take the write lock up front.)
        self.autocommits = self._engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def autocommit_connection(self) -> AsyncIterator[AsyncConnection]:
        """A pooled connection in autocommit (PostgreSQL): each statement is its own transaction.

        Set on the connection, not through ``engine.execution_options(isolation_level=...)``: such an
        engine applies it with an ``engine_connect`` listener, and an engine with a listener makes
        SQLAlchemy dispatch its connection events around every statement (about a tenth of
        SQLAlchemy's CPU per statement of the payment flow). The pool restores the isolation level
        when the connection is returned, either way.
        """
        assert self.autocommits
        async with self._engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            yield conn

    @asynccontextmanager
    async def one_statement_write(self) -> AsyncIterator[AsyncConnection]:
        """A connection for ONE self-contained write statement (atomic on its own; never two)."""
        if not self.autocommits:
            async with write_transaction(self.sessionmaker) as session:
                yield await session.connection()
            return
        async with self.autocommit_connection() as conn:
            yield conn

    @asynccontextmanager
    async def one_statement_read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for ONE read statement (a consistent snapshot on its own)."""
        if not self.autocommits:
            async with self._engine.connect() as conn:
                yield conn
            return
        async with self.autocommit_connection() as conn:
            yield conn
