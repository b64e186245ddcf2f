"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is required, never skipped: ``PAYMENTGRAPH_TEST_POSTGRES_URL`` (default: the local server)
names a server where the session creates its own database, migrates it once, and empties every
table between tests. SQLite tests copy a migrated template file per test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import collection_versions
import pytest
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from paymentgraph.db import migrate as migrations
from paymentgraph.db.base import metadata
from paymentgraph.db.counting import StatementCounter
from paymentgraph.db.session import create_engine
from paymentgraph.links.registry import default_registry

T = TypeVar("T")

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def _postgres_admin_url() -> str:
    url = os.environ.get("PAYMENTGRAPH_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    return url


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync fixture code (in a thread: a loop may be running)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def postgres_template_url() -> Iterator[str]:
    url = run_sync(_create_postgres_database())
    yield url
    run_sync(_drop_postgres_database(url))


async def _create_postgres_database() -> str:
    """A fresh PostgreSQL database for this test session, migrated to head."""
    admin = _postgres_admin_url()
    name = f"paymentgraph_test_{uuid.uuid4().hex[:10]}"
    try:
        conn = await asyncpg.connect(_asyncpg_dsn(admin), timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:  # a failure, not a skip: CI must see it
        pytest.fail(f"PostgreSQL is required for the tests and did not answer at {admin}: {exc}")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    await migrations.upgrade(engine)
    await engine.dispose()
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        for statement in collection_versions.STATEMENTS:
            await conn.execute(statement)
    finally:
        await conn.close()
    return url


async def _drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    conn = await asyncpg.connect(_asyncpg_dsn(_postgres_admin_url()))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"

    async def migrate() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrations.upgrade(engine)
        await engine.dispose()

    run_sync(migrate())
    return path


def _table_names() -> list[str]:
    default_registry()
    return [t.name for t in metadata.sorted_tables]


async def _clear_postgres(url: str) -> None:
    """Empty every table. DELETE with foreign-key triggers off is ~30 ms; TRUNCATE was ~800 ms."""
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            for row in tables:
                await conn.execute(f'DELETE FROM "{row["tablename"]}"')
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"
    else:
        url: str = request.getfixturevalue("postgres_template_url")
        run_sync(_clear_postgres(url))
        yield url


@pytest.fixture
async def pg(database_url: str) -> AsyncIterator[object]:
    """A connected PaymentGraph on a clean database (system provider only)."""
    from paymentgraph import PaymentGraph

    async with PaymentGraph.connect(database_url) as instance:
        await instance.sync_providers()
        yield instance


@pytest.fixture
def count_statements() -> Iterator[Callable[..., StatementCounter]]:
    """``counter = count_statements(engine)``: a live StatementCounter attached to ``engine``
    (BEGIN/COMMIT and PRAGMAs excluded; ``count_statements(engine, control=True)``: BEGIN, COMMIT and
    ROLLBACK counted too, as the database receives them)."""
    attached: list[tuple[AsyncEngine, StatementCounter]] = []

    def attach(engine: AsyncEngine, *, control: bool = False) -> StatementCounter:
        counter = StatementCounter(control=control)
        counter.attach(engine)
        attached.append((engine, counter))
        return counter

    yield attach
    for engine, counter in attached:
        counter.detach(engine)
