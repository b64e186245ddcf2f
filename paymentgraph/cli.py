"""``paymentgraph serve | migrate | seed --demo | schema``.

With no configuration everything uses ``paymentgraph.db`` (SQLite) in the current directory; set
``PAYMENTGRAPH_DATABASE_URL`` (or pass ``--database-url``) for PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from paymentgraph.config import Settings


def _settings(args: argparse.Namespace) -> Settings:
    if getattr(args, "database_url", None):
        # Through the environment so uvicorn's worker processes see the same URL.
        os.environ["PAYMENTGRAPH_DATABASE_URL"] = args.database_url
    return Settings()


async def _migrate(settings: Settings) -> None:
    from paymentgraph.connection import PaymentGraph

    async with PaymentGraph.connect(settings=settings) as pg:
        await pg.migrate()


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    asyncio.run(_migrate(settings))
    print(f"migrated {_display_url(settings)}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = _settings(args)
    if not args.no_migrate:
        asyncio.run(_migrate(settings))
    print(
        f"paymentgraph: GraphiQL at http://{args.host}:{args.port}/graphql ({_display_url(settings)})",
        flush=True,
    )
    uvicorn.run(
        "paymentgraph.app:serving_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        log_config=log_config(args.log_level),
        access_log=args.access_log,
    )
    return 0


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging, plus paymentgraph's own loggers (unexpected errors, with tracebacks) to stderr."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["paymentgraph"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config


def cmd_seed(args: argparse.Namespace) -> int:
    from paymentgraph.seed import seed_demo

    if not args.demo:
        print("nothing to seed: pass --demo for the demo data set", file=sys.stderr)
        return 2
    settings = _settings(args)
    if not args.no_migrate:
        asyncio.run(_migrate(settings))
    summary = asyncio.run(seed_demo(settings))
    for name, count in summary.items():
        print(f"{name}: {count}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from paymentgraph.schema import create_schema
    from paymentgraph.schema.build import sdl

    text = sdl(create_schema())
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


def _display_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="paymentgraph", description=__doc__.splitlines()[0])
    commands = root.add_subparsers(dest="command", required=True)

    def with_database(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--database-url", help="default: $PAYMENTGRAPH_DATABASE_URL or ./paymentgraph.db")
        return sub

    serve = with_database(commands.add_parser("serve", help="serve the GraphQL API with uvicorn"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-migrate", action="store_true", help="do not apply pending migrations first")
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=True)
    serve.set_defaults(run=cmd_serve)

    migrate = with_database(commands.add_parser("migrate", help="apply pending migrations"))
    migrate.set_defaults(run=cmd_migrate)

    seed = with_database(commands.add_parser("seed", help="fill the database with demo data"))
    seed.add_argument(
        "--demo", action="store_true", help="regions, customers, carts and payments in every state"
    )
    seed.add_argument("--no-migrate", action="store_true")
    seed.set_defaults(run=cmd_seed)

    schema = commands.add_parser("schema", help="write the served schema as SDL")
    schema.add_argument("--output", default="schema.graphql", help='a file, or "-" for stdout')
    schema.set_defaults(run=cmd_schema)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
