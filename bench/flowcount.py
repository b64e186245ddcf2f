"""Statements of one accept-payment flow, by kind, as each database receives them (BEGIN/COMMIT included).

``python -m bench.flowcount [--show]`` runs the Python API's flow (create collection, create session
with pp_system_default, authorize, capture) on a fresh PostgreSQL database and a fresh SQLite file,
after one warm-up flow, and prints the counts per statement kind (``--show``: every statement).
On PostgreSQL the transaction control is checked against asyncpg's own query log too.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine.url import make_url

from bench.counting import StatementCounter, counting
from bench.flows import python_flow
from bench.settings import asyncpg_dsn, postgres_url
from paymentgraph import PaymentGraph


class _AsyncpgLog:
    """BEGIN/COMMIT/ROLLBACK as asyncpg sent them (its query log sees simple-protocol queries only)."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self._hooked: set[int] = set()

    def _log(self, record: Any) -> None:
        head = record.query.split(None, 1)[0].rstrip(";").upper()
        self.kinds[head] += 1

    def hook(self, dbapi_connection: Any, *_args: Any) -> None:
        driver = dbapi_connection.driver_connection
        if id(driver) not in self._hooked:
            self._hooked.add(id(driver))
            driver.add_query_logger(self._log)


async def count_flow(url: str, *, show: bool) -> StatementCounter:
    async with PaymentGraph.connect(url) as pg:
        await pg.migrate()
        await pg.sync_providers()
        await python_flow(pg)  # warm: prepared statements, the providers' rows
        log = _AsyncpgLog()
        if pg.engine.dialect.name == "postgresql":
            event.listen(pg.engine.sync_engine, "checkout", log.hook)
        with counting(pg.engine, control=True) as counter:
            await python_flow(pg)
        await asyncio.sleep(0)  # asyncpg calls its query loggers soon after, not during
        if pg.engine.dialect.name == "postgresql":
            event.remove(pg.engine.sync_engine, "checkout", log.hook)
            mine = counter.by_kind()
            for kind in ("BEGIN", "COMMIT", "ROLLBACK"):
                if mine[kind] != log.kinds[kind]:
                    raise AssertionError(f"{kind}: counted {mine[kind]}, asyncpg sent {log.kinds[kind]}")
        print(f"{pg.engine.dialect.name}: {counter.count} statements {dict(counter.by_kind().most_common())}")
        if show:
            for statement in counter.statements:
                print("   ", " ".join(statement.split())[:160])
        return counter


async def main(show: bool) -> None:
    base = make_url(postgres_url())
    name = f"flowcount_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(asyncpg_dsn(base.set(database="postgres").render_as_string(False)))
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        await count_flow(base.set(database=name).render_as_string(hide_password=False), show=show)
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()
    with tempfile.TemporaryDirectory() as tmp:
        await count_flow(f"sqlite+aiosqlite:///{Path(tmp) / 'flow.db'}", show=show)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print every statement")
    asyncio.run(main(parser.parse_args().show))
