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

from sqlalchemy import event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import QueuePool

_IMMEDIATE = "paymentgraph_sqlite_immediate"
# PostgreSQL's pool: connections kept open, and how many more may be opened under load (closed when
# returned). http/overload.py derives the default bound on in-flight requests from their sum.
POOL_SIZE = 10
MAX_OVERFLOW = 20
CONNECT_TIMEOUT_SECONDS = 10
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
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", MAX_OVERFLOW)
    # asyncpg waits 60 s for a connection by default; a database that does not answer a connect within
    # this is down for the request that waits (answered 503 by http/), not slow.
    kwargs.setdefault("connect_args", {"timeout": CONNECT_TIMEOUT_SECONDS})
    engine = create_async_engine(url, json_serializer=json_dumps, **kwargs)
    _discard_closed_connections(engine)
    return engine


def _discard_closed_connections(engine: AsyncEngine) -> None:
    """A pooled connection whose server closed it is replaced at checkout, before a request uses it.

    PostgreSQL restarted (or a proxy dropped the socket): asyncpg sees the close while the connection
    idles in the pool, so checking ``is_closed()`` is enough to recover without failing the next
    request, at no cost to the database; ``pool_pre_ping`` would find out too, with a round trip on
    every checkout. A connection that dies *during* a request invalidates the whole pool (SQLAlchemy's
    disconnect handling), so the connections opened before the restart are replaced too.
    """

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        driver_connection = getattr(dbapi_connection, "driver_connection", None)
        is_closed = getattr(driver_connection, "is_closed", None)
        if is_closed is not None and is_closed():
            # The pool discards it and checks out (or opens) another, up to three times.
            raise DisconnectionError("the server closed this pooled connection")


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


_PING = text("SELECT 1")


def pool_capacity(engine: AsyncEngine) -> int | None:
    """How many connections the engine's pool may hold at once (kept plus overflow); None: no bound."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return None
    # SQLAlchemy keeps max_overflow privately; -1 means no bound on overflow connections.
    overflow: int = getattr(pool, "_max_overflow", 0)
    return None if overflow < 0 else pool.size() + overflow


async def ping(engine: AsyncEngine) -> None:
    """One round trip (``SELECT 1``) on a pooled connection: raises when the database does not answer."""
    async with engine.connect() as connection:
        await connection.execute(_PING)
