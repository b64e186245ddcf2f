"""``paymentgraph serve | migrate | seed --demo | schema | webhooks list|retry | payments recover``.

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


async def _webhooks_list(settings: Settings, status: str | None, take: int | None) -> int:
    from paymentgraph.connection import PaymentGraph

    async with PaymentGraph.connect(settings=settings) as pg:
        events = await pg.payment.list_webhook_events(status, take=take)
    for e in events:
        print(
            f"{e.id}  {e.provider_id}  {e.event_id}  {e.action}  {e.status}  attempts={e.attempts}"
            f"  session={e.payment_session_id or '-'}  {e.last_error or ''}".rstrip()
        )
    print(f"{len(events)} event(s)")
    return 0


async def _webhooks_retry(settings: Settings) -> int:
    from paymentgraph.connection import PaymentGraph

    async with PaymentGraph.connect(settings=settings) as pg:
        events = await pg.payment.retry_failed_webhook_events()
    unsettled = [e for e in events if e.status != "processed" or e.last_error]
    for e in events:
        print(f"{e.id}  {e.event_id}  {e.action}  {e.status}  {e.last_error or ''}".rstrip())
    print(f"retried {len(events)} event(s), {len(unsettled)} still need attention")
    return 1 if unsettled else 0


async def _payments_recover(settings: Settings, older_than_minutes: float) -> int:
    from datetime import timedelta

    from paymentgraph.connection import PaymentGraph

    async with PaymentGraph.connect(settings=settings) as pg:
        outcomes = await pg.payment.recover_pending_operations(
            older_than=timedelta(minutes=older_than_minutes)
        )
    for o in outcomes:
        print(f"{o.kind} {o.id}  payment={o.payment_id}  {o.amount}  {o.outcome}  {o.error or ''}".rstrip())
    failed = sum(1 for o in outcomes if o.outcome == "failed")
    print(f"settled {len(outcomes) - failed} pending operation(s), {failed} failed")
    return 1 if failed else 0


def cmd_webhooks(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.action == "list":
        return asyncio.run(_webhooks_list(settings, args.status, args.take))
    return asyncio.run(_webhooks_retry(settings))


def cmd_payments(args: argparse.Namespace) -> int:
    return asyncio.run(_payments_recover(_settings(args), args.older_than_minutes))


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

    webhooks = commands.add_parser("webhooks", help="stored provider webhook events")
    webhook_actions = webhooks.add_subparsers(dest="action", required=True)
    listing = with_database(webhook_actions.add_parser("list", help="stored events, oldest first"))
    listing.add_argument("--status", choices=("received", "processing", "processed", "failed"))
    listing.add_argument("--take", type=int, help="at most this many")
    with_database(
        webhook_actions.add_parser("retry", help="apply again failed and stuck events (exit 1 if any remain)")
    )
    webhooks.set_defaults(run=cmd_webhooks)

    payments = commands.add_parser("payments", help="payment maintenance")
    payment_actions = payments.add_subparsers(dest="action", required=True)
    recover = with_database(
        payment_actions.add_parser(
            "recover", help="settle captures and refunds left pending by a crash (same idempotency key)"
        )
    )
    recover.add_argument(
        "--older-than-minutes", type=float, default=5.0, help="only rows pending this long (default 5)"
    )
    payments.set_defaults(run=cmd_payments)

    schema = commands.add_parser("schema", help="write the served schema as SDL")
    schema.add_argument("--output", default="schema.graphql", help='a file, or "-" for stdout')
    schema.set_defaults(run=cmd_schema)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
