"""The ``paymentgraph`` command: serve, migrate, seed --demo, schema, webhooks list|retry, payments
recover|release-abandoned, api-keys create|list, events ..., endpoints list|deliveries|redeliver.

With no configuration everything uses paymentgraph.db (SQLite) in the current directory; set
PAYMENTGRAPH_DATABASE_URL (or pass --database-url) for PostgreSQL. A problem the user can fix (bad
configuration, a database that is missing, unreachable or not migrated) is one line on stderr and exit
status 2 (configuration) or 1 (database), never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from paymentgraph.cli_common import (
    DATABASE_HELP,
    CommandError,
    database_errors,
    display_url,
    prepare,
    settings_from,
)
from paymentgraph.cli_endpoints import add_endpoint_commands
from paymentgraph.cli_events import add_event_commands
from paymentgraph.cli_payments import add_payment_commands
from paymentgraph.config import Settings

DESCRIPTION = (
    "Medusa v2's payment module as a GraphQL API: serve it, migrate and seed its database, "
    "and look after webhook events and pending payments."
)
# The uvicorn factory ``serve`` runs (by import string, so worker processes can import it).
APP = "paymentgraph.app:serving_app"
# Seconds an idle keep-alive connection stays open. Longer than clients' and load balancers' own idle
# timeouts (httpx 5 s, AWS ALB 60 s; nginx's default is this 75 s), so the client closes an idle connection
# before the server would: uvicorn's 5 s equals httpx's, and the server closing a connection while the
# client reuses it reset requests under load (bench/RESULTS.md, "ReadErrors at 64 connections").
KEEP_ALIVE_SECONDS = 75


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    prepare(settings, migrate=True)
    print(f"migrated {display_url(settings)}")
    return 0


async def _live_api_keys(settings: Settings) -> int:
    from paymentgraph.connection import PaymentGraph

    async with PaymentGraph.connect(settings=settings) as pg:
        return sum(1 for key in await pg.identity.api_keys.list() if key.revoked_at is None)


def admin_access_hint(settings: Settings, live_api_keys: int = 0) -> str | None:
    """What to do when nothing can use the admin scope (None when something can).

    The one place that knows every kind of admin credential: bootstrap tokens from the environment and
    stored API keys (``live_api_keys``: how many are not revoked).
    """
    if settings.admin_token_set or live_api_keys:
        return None
    return (
        "paymentgraph: no admin token or API key exists, so admin fields answer UNAUTHENTICATED; "
        'create a key with `paymentgraph api-keys create --title "ops"`, or set '
        "PAYMENTGRAPH_ADMIN_TOKENS to a comma-separated list of secret bearer tokens "
        "(e.g. PAYMENTGRAPH_ADMIN_TOKENS=$(openssl rand -hex 32))"
    )


def _check_configuration() -> None:
    """The configuration file and its plugins load, or the server does not start (one line, exit 2)."""
    from paymentgraph.configfile import ConfigError, build_providers, load_config
    from paymentgraph.plugins import load_plugins

    try:
        config = load_config()
        load_plugins(config)
        build_providers(config, Settings())
    except ConfigError as exc:
        raise CommandError(str(exc), status=2) from None


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = settings_from(args)
    if args.workers > 1 and not settings.redis_url:
        # Each worker holds its own WebSocket subscribers; only Redis carries every worker's commits to all.
        raise CommandError(
            f"--workers {args.workers} needs PAYMENTGRAPH_REDIS_URL (e.g. redis://127.0.0.1:6379/0): "
            "GraphQL subscriptions on one worker see changes made through another only through Redis",
            status=2,
        )
    _check_configuration()
    prepare(settings, migrate=not args.no_migrate)
    live_keys = 0
    if not settings.admin_token_set:
        with database_errors(settings):
            live_keys = asyncio.run(_live_api_keys(settings))
    hint = admin_access_hint(settings, live_keys)
    if hint:
        print(hint, file=sys.stderr, flush=True)
    graphiql = f"GraphiQL at http://{args.host}:{args.port}/graphql ({display_url(settings)})"
    options: dict[str, Any] = {
        "factory": True,
        "host": args.host,
        "port": args.port,
        "workers": args.workers,
        "log_level": args.log_level,
        "log_config": log_config(args.log_level),
        "access_log": args.access_log,
        "timeout_keep_alive": args.timeout_keep_alive,
    }
    if args.workers > 1:
        # The workers are uvicorn's processes; the listening socket is bound before they start, so a
        # request sent early waits for the first worker instead of being refused.
        print(
            f"paymentgraph: starting {args.workers} workers: {graphiql} once they log "
            '"Application startup complete."',
            flush=True,
        )
        uvicorn.run(APP, **options)
        return 0
    return (
        0 if _serve_until_stopped(uvicorn.Config(APP, **options), f"paymentgraph: ready: {graphiql}") else 1
    )


def _serve_until_stopped(config: Any, ready: str) -> bool:
    """uvicorn's server, printing ``ready`` once the app has started and the socket listens."""
    import uvicorn

    class ReadyServer(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:  # False when the app's startup failed
                print(ready, flush=True)

    server = ReadyServer(config)
    server.run()
    return server.started


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging, plus paymentgraph's own loggers (unexpected errors, with tracebacks) to stderr."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["paymentgraph"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config


def cmd_seed(args: argparse.Namespace) -> int:
    from paymentgraph.seed import seed_demo

    if not args.demo:
        print("paymentgraph: nothing to seed: pass --demo for the demo data set", file=sys.stderr)
        return 2
    settings = settings_from(args)
    prepare(settings, migrate=not args.no_migrate)
    with database_errors(settings):
        summary = asyncio.run(seed_demo(settings))
    if summary is None:
        print(f"the demo data is already in {display_url(settings)}; nothing was added")
        return 0
    for name, count in summary.items():
        print(f"{name}: {count}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from paymentgraph.schema import create_schema
    from paymentgraph.schema.sdl import sdl

    text = sdl(create_schema())
    if args.output in (None, "-"):
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


async def _api_keys(settings: Settings, action: str, title: str | None) -> int:
    from paymentgraph.connection import PaymentGraph

    async with PaymentGraph.connect(settings=settings) as pg:
        if action == "create":
            created = await pg.identity.api_keys.create(title or "", created_by="cli")
            print(f"{created.api_key.id}  {created.api_key.title}")
            print(f"token (shown once, store it now): {created.token}")
            return 0
        for key in await pg.identity.api_keys.list():
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "live"
            used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
            print(f"{key.id}  {key.redacted}  {state}  last used {used}  {key.title}")
    return 0


def cmd_api_keys(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    prepare(settings, migrate=args.action == "create" and not args.no_migrate)
    with database_errors(settings):
        return asyncio.run(_api_keys(settings, args.action, getattr(args, "title", None)))


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="paymentgraph", description=DESCRIPTION)
    commands = root.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")

    def command(group: Any, name: str, summary: str) -> argparse.ArgumentParser:
        """A subcommand whose one-line summary is also its --help description."""
        sub: argparse.ArgumentParser = group.add_parser(
            name, help=summary, description=summary[0].upper() + summary[1:] + "."
        )
        return sub

    def with_database(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--database-url", metavar="URL", help=DATABASE_HELP)
        return sub

    serve = with_database(
        command(commands, "serve", "apply pending migrations, then serve the GraphQL API with uvicorn")
    )
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="the port to listen on (default 8000)")
    serve.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes (default 1)")
    serve.add_argument(
        "--no-migrate", action="store_true", help="do not migrate; refuse a database that needs it"
    )
    serve.add_argument(
        "--timeout-keep-alive",
        type=int,
        default=KEEP_ALIVE_SECONDS,
        metavar="SECONDS",
        help=f"how long an idle connection stays open (default {KEEP_ALIVE_SECONDS}: longer than clients' "
        "and load balancers' idle timeouts, so they close first)",
    )
    serve.add_argument(
        "--log-level",
        default="info",
        choices=("critical", "error", "warning", "info", "debug", "trace"),
        help="uvicorn's and paymentgraph's log level (default info)",
    )
    serve.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="log every request (default on)",
    )
    serve.set_defaults(run=cmd_serve)

    migrate = with_database(command(commands, "migrate", "apply pending database migrations"))
    migrate.set_defaults(run=cmd_migrate)

    seed = with_database(
        command(commands, "seed", "fill the database with demo data (once: a second run adds nothing)")
    )
    seed.add_argument(
        "--demo",
        action="store_true",
        help="regions, customers, carts, orders and payment collections in every state",
    )
    seed.add_argument(
        "--no-migrate", action="store_true", help="do not migrate; refuse a database that needs it"
    )
    seed.set_defaults(run=cmd_seed)

    add_payment_commands(commands, command, with_database)

    api_keys = command(commands, "api-keys", "create or list admin API keys (Authorization: Bearer <token>)")
    key_actions = api_keys.add_subparsers(dest="action", required=True, title="actions", metavar="ACTION")
    create_key = with_database(command(key_actions, "create", "a new admin API key; prints its token once"))
    create_key.add_argument("--title", required=True, help="what the key is for, e.g. 'ops laptop'")
    create_key.add_argument(
        "--no-migrate", action="store_true", help="do not migrate; refuse a database that needs it"
    )
    with_database(command(key_actions, "list", "every API key, redacted, with when it was last used"))
    api_keys.set_defaults(run=cmd_api_keys)
    add_event_commands(commands, command, with_database)
    add_endpoint_commands(commands, command, with_database)

    schema = command(commands, "schema", "print the served GraphQL schema (SDL)")
    schema.add_argument(
        "--output", metavar="FILE", help='write it to FILE instead of standard output ("-" is stdout)'
    )
    schema.set_defaults(run=cmd_schema)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except CommandError as exc:
        print(f"paymentgraph: {exc}", file=sys.stderr)
        return exc.status


if __name__ == "__main__":
    raise SystemExit(main())
