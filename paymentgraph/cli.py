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
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from paymentgraph.cli_endpoints import add_endpoint_commands
from paymentgraph.cli_events import add_event_commands
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
DATABASE_HELP = "the database to use (default: $PAYMENTGRAPH_DATABASE_URL, else ./paymentgraph.db)"


class CommandError(Exception):
    """A problem the user can fix: printed as one line, exit status ``status``."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def _settings(args: argparse.Namespace) -> Settings:
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


def _display_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


def _sqlite_file(settings: Settings) -> Path | None:
    """The file a SQLite URL names (None for PostgreSQL and in-memory SQLite)."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return None if url.database.startswith("file:") else Path(url.database)


@contextmanager
def _database_errors(settings: Settings) -> Iterator[None]:
    """Turn a database that cannot be reached or used into one line naming it."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except (SQLAlchemyError, OSError) as exc:
        cause = getattr(exc, "orig", None) or exc
        detail = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        raise CommandError(f"cannot use the database at {_display_url(settings)}: {detail}") from None


async def _require_migrated(settings: Settings) -> None:
    """Refuse, without creating anything, a database that does not exist or is not migrated."""
    from paymentgraph.db import migrate as migrations
    from paymentgraph.db.session import create_engine

    path = _sqlite_file(settings)
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
            f"the database at {_display_url(settings)} needs {len(pending)} migration(s) "
            f"({', '.join(rev for rev, _ in pending)}): run `paymentgraph migrate`"
        )


async def _migrate(settings: Settings) -> None:
    """Apply pending migrations, saying which."""
    from paymentgraph.connection import PaymentGraph
    from paymentgraph.db import migrate as migrations

    async with PaymentGraph.connect(settings=settings) as pg:
        for revision, description in await migrations.pending(pg.engine):
            print(f"paymentgraph: applying migration {revision} ({description})", flush=True)
        await pg.migrate()


def _prepare(settings: Settings, migrate: bool) -> None:
    """Migrate the database, or check that it already is (``--no-migrate`` and read-mostly commands)."""
    with _database_errors(settings):
        asyncio.run(_migrate(settings) if migrate else _require_migrated(settings))


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _prepare(settings, migrate=True)
    print(f"migrated {_display_url(settings)}")
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

    settings = _settings(args)
    if args.workers > 1 and not settings.redis_url:
        # Each worker holds its own WebSocket subscribers; only Redis carries every worker's commits to all.
        raise CommandError(
            f"--workers {args.workers} needs PAYMENTGRAPH_REDIS_URL (e.g. redis://127.0.0.1:6379/0): "
            "GraphQL subscriptions on one worker see changes made through another only through Redis",
            status=2,
        )
    _check_configuration()
    _prepare(settings, migrate=not args.no_migrate)
    live_keys = 0
    if not settings.admin_token_set:
        with _database_errors(settings):
            live_keys = asyncio.run(_live_api_keys(settings))
    hint = admin_access_hint(settings, live_keys)
    if hint:
        print(hint, file=sys.stderr, flush=True)
    graphiql = f"GraphiQL at http://{args.host}:{args.port}/graphql ({_display_url(settings)})"
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
    settings = _settings(args)
    _prepare(settings, migrate=not args.no_migrate)
    with _database_errors(settings):
        summary = asyncio.run(seed_demo(settings))
    if summary is None:
        print(f"the demo data is already in {_display_url(settings)}; nothing was added")
        return 0
    for name, count in summary.items():
        print(f"{name}: {count}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from paymentgraph.schema import create_schema
    from paymentgraph.schema.build import sdl

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


async def _payments_release(settings: Settings, older_than_hours: float | None) -> int:
    from datetime import timedelta

    from paymentgraph.connection import PaymentGraph
    from paymentgraph.workflows.release_authorizations import release_abandoned_authorizations

    # An explicit --older-than-hours 0 releases every abandoned cart's hold now; the setting's 0 means off.
    hours = settings.abandoned_authorization_hours if older_than_hours is None else older_than_hours
    older_than = timedelta(hours=hours) if hours > 0 or older_than_hours is not None else None
    async with PaymentGraph.connect(settings=settings) as pg:
        released = await release_abandoned_authorizations(pg, older_than=older_than)
    for r in released:
        line = f"payment {r.payment_id}  cart={r.cart_id or '-'}  {r.reason}  {r.outcome}  {r.error or ''}"
        print(line.rstrip())
    failed = sum(1 for r in released if r.outcome == "failed")
    print(f"released {sum(1 for r in released if r.outcome == 'released')} authorization(s), {failed} failed")
    return 1 if failed else 0


def cmd_webhooks(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _prepare(settings, migrate=False)
    with _database_errors(settings):
        if args.action == "list":
            return asyncio.run(_webhooks_list(settings, args.status, args.take))
        return asyncio.run(_webhooks_retry(settings))


def cmd_payments(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _prepare(settings, migrate=False)
    with _database_errors(settings):
        if args.action == "release-abandoned":
            return asyncio.run(_payments_release(settings, args.older_than_hours))
        return asyncio.run(_payments_recover(settings, args.older_than_minutes))


def _minutes(text: str) -> float:
    """A non-negative number of minutes (0 is allowed: every pending operation)."""
    try:
        minutes = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes") from None
    if not minutes >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError("must be 0 or a positive number of minutes")
    return minutes


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
    settings = _settings(args)
    _prepare(settings, migrate=args.action == "create" and not args.no_migrate)
    with _database_errors(settings):
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

    webhooks = command(commands, "webhooks", "list or retry stored provider webhook events")
    webhook_actions = webhooks.add_subparsers(dest="action", required=True, title="actions", metavar="ACTION")
    listing = with_database(command(webhook_actions, "list", "stored webhook events, oldest first"))
    listing.add_argument(
        "--status",
        choices=("received", "processing", "processed", "failed"),
        help="only events in this status",
    )
    listing.add_argument("--take", type=int, metavar="N", help="at most N events")
    with_database(
        command(webhook_actions, "retry", "apply failed and stuck events again (exit 1 if any remain)")
    )
    webhooks.set_defaults(run=cmd_webhooks)

    payments = command(commands, "payments", "payment maintenance")
    payment_actions = payments.add_subparsers(dest="action", required=True, title="actions", metavar="ACTION")
    recover = with_database(
        command(
            payment_actions,
            "recover",
            "settle captures and refunds left pending by a crash (asks the provider again with the same "
            "idempotency key)",
        )
    )
    recover.add_argument(
        "--older-than-minutes",
        type=_minutes,
        default=5.0,
        metavar="M",
        help="only operations pending at least M minutes (default 5; 0 settles every pending one)",
    )
    release = with_database(
        command(
            payment_actions,
            "release-abandoned",
            "cancel the authorizations of carts abandoned without an order, and expired ones "
            "(exit 1 if one could not be canceled)",
        )
    )
    release.add_argument(
        "--older-than-hours",
        type=float,
        metavar="H",
        help="carts and authorizations idle at least H hours "
        "(default: $PAYMENTGRAPH_ABANDONED_AUTHORIZATION_HOURS, 6)",
    )
    payments.set_defaults(run=cmd_payments)

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
