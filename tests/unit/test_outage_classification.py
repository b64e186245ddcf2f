"""Which real database errors are outages (retry later) and which are answers (constraint violations,
bad SQL): the line :func:`paymentgraph.db.outage.database_unavailable` draws, on both databases."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import text

from paymentgraph.db.outage import database_unavailable
from paymentgraph.db.session import create_engine


async def _error_of(url: str, *statements: str) -> BaseException:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    except Exception as exc:
        return exc
    finally:
        await engine.dispose()
    raise AssertionError("no error")


async def test_errors_the_database_answered_are_not_outages(database_url: str) -> None:
    duplicate = await _error_of(
        database_url,
        "CREATE TEMPORARY TABLE outage_probe (id INTEGER PRIMARY KEY)",
        "INSERT INTO outage_probe VALUES (1)",
        "INSERT INTO outage_probe VALUES (1)",
    )
    assert not database_unavailable(duplicate)
    assert not database_unavailable(await _error_of(database_url, "SELECT * FROM no_such_table"))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://postgres@127.0.0.1:{closed_port}/x",  # connection refused
        "sqlite+aiosqlite:////no/such/directory/x.db",  # the file cannot be opened
    ],
)
async def test_a_database_that_cannot_be_reached_is_an_outage(url: str) -> None:
    assert database_unavailable(await _error_of(url.format(closed_port=_closed_port()), "SELECT 1"))
