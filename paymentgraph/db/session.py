"""Engines, sessions and write transactions for PostgreSQL (asyncpg) and SQLite (aiosqlite).

SQLite serialises writers: a write transaction starts with ``BEGIN IMMEDIATE``, which takes the
database's write lock up front (other writers wait on ``busy_timeout``), and an in-process lock keeps
this process's writers from spinning on that timeout. PostgreSQL writers take row locks instead
(:mod:`paymentgraph.db.locking`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

_IMMEDIATE = "paymentgraph_sqlite_immediate"
_SQLITE_WRITE_LOCKS: dict[int, asyncio.Lock] = {}


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, separators=(",", ":"))


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An AsyncEngine for ``url`` with the SQLite pragmas and transaction control we rely on."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, json_serializer=json_dumps, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_async_engine(url, json_serializer=json_dumps, **kwargs)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (pysqlite's implicit transactions defer the write lock).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # LIKE is case-sensitive on PostgreSQL; SQLite's default would make `like` behave as `ilike`.
        cursor.execute("PRAGMA case_sensitive_like=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def write_transaction(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A session in a transaction that commits on success and rolls back on any exception.

    On SQLite the transaction holds the database write lock from its first statement, so a
    read-check-write inside it cannot interleave with another writer.
    """
    engine = sessionmaker.kw["bind"]
    if is_sqlite(engine):
        lock = _SQLITE_WRITE_LOCKS.setdefault(id(engine.sync_engine), asyncio.Lock())
        async with lock, sessionmaker() as session:
            # Procuring the connection begins the transaction, with BEGIN IMMEDIATE.
            await session.connection(execution_options={_IMMEDIATE: True})
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
        return
    async with sessionmaker() as session, session.begin():
        yield session


@asynccontextmanager
async def read_session(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A short-lived session for reads; closed (and its transaction ended) on exit."""
    async with sessionmaker() as session:
        yield session
