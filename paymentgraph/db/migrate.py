"""Apply Alembic migrations from Python (``paymentgraph migrate``, ``PaymentGraph.migrate()``).

``python -m paymentgraph.db.migrate --regenerate`` rewrites the initial revision from the current
models. That is only for before the first release; after it, add revisions with
``alembic revision --autogenerate``.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from paymentgraph.db.session import create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Any = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))


async def pending(engine: AsyncEngine) -> list[tuple[str, str]]:
    """The revisions ``upgrade`` would apply, oldest first, as (revision id, description)."""

    def read(sync: Any) -> list[tuple[str, str]]:
        current = MigrationContext.configure(sync).get_current_heads()
        scripts = ScriptDirectory.from_config(alembic_config())
        newer = scripts.iterate_revisions("heads", current or "base")
        return [(s.revision, (s.doc or "").strip()) for s in reversed(list(newer))]

    async with engine.connect() as conn:
        return await conn.run_sync(read)


async def regenerate() -> None:
    """Rewrite revision 0001 from the models (pre-release only)."""
    for old in (MIGRATIONS / "versions").glob("*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp}/empty.db")
        async with engine.begin() as conn:
            await conn.run_sync(
                lambda sync: command.revision(
                    alembic_config(sync), message="initial schema", autogenerate=True, rev_id="0001"
                )
            )
        await engine.dispose()


if __name__ == "__main__":
    if "--regenerate" in sys.argv:
        asyncio.run(regenerate())
