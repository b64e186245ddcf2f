"""What every ``paymentgraph`` command shares: settings from the environment (or ``--database-url``), a
database that is migrated or refused, and errors the user can fix printed as one line."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import ValidationError

from paymentgraph.config import Settings

DATABASE_HELP = "the database to use (default: $PAYMENTGRAPH_DATABASE_URL, else ./paymentgraph.db)"


class CommandError(Exception):
    """A problem the user can fix: printed as one line, exit status ``status``."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def settings_from(args: argparse.Namespace) -> Settings:
    if getattr(args, "database_url", None) is not None:
        # Through the environment so uvicorn's worker processes see the same URL.
        os.environ["PAYMENTGRAPH_DATABASE_URL"] = args.database_url
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        setting = "_".join(str(part) for part in first["loc"])
        from_flag = setting == "database_url" and getattr(args, "database_url", None) is not None
        name = "--database-url" if from_flag else f"PAYMENTGRAPH_{setting.upper()}"
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise CommandError(f"{name} {reason}", status=2) from None


def display_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


def sqlite_file(settings: Settings) -> Path | None:
    """The file a SQLite URL names (None for PostgreSQL and in-memory SQLite)."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return None if url.database.startswith("file:") else Path(url.database)


@contextmanager
def database_errors(settings: Settings) -> Iterator[None]:
    """Turn a database that cannot be reached or used into one line naming it."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except (SQLAlchemyError, OSError) as exc:
        cause = getattr(exc, "orig", None) or exc
        detail = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        raise CommandError(f"cannot use the database at {display_url(settings)}: {detail}") from None


async def require_migrated(settings: Settings) -> None:
    """Refuse, without creating anything, a database that does not exist or is not migrated."""
    from paymentgraph.db import migrate as migrations
    from paymentgraph.db.session import create_engine

    path = sqlite_file(settings)
    if path is not None and not path.exists():
        # Connecting would create an empty file; say what to do instead.
        raise CommandError(f"no database at {path}: run `paymentgraph migrate` first, or pass --database-url")
    engine = create_engine(settings.database_url)
    try:
        pending = await migrations.pending(engine)
    finally:
        await engine.dispose()
    if pending:
        raise CommandError(
            f"the database at {display_url(settings)} needs {len(pending)} migration(s) "
            f"({', '.join(rev for rev, _ in pending)}): run `paymentgraph migrate`"
        )


async def migrate_database(settings: Settings) -> None:
    """Apply pending migrations, saying which."""
    from paymentgraph.connection import PaymentGraph
    from paymentgraph.db import migrate as migrations

    async with PaymentGraph.connect(settings=settings) as pg:
        for revision, description in await migrations.pending(pg.engine):
            print(f"paymentgraph: applying migration {revision} ({description})", flush=True)
        await pg.migrate()


def prepare(settings: Settings, migrate: bool) -> None:
    """Migrate the database, or check that it already is (``--no-migrate`` and read-mostly commands)."""
    with database_errors(settings):
        asyncio.run(migrate_database(settings) if migrate else require_migrated(settings))
