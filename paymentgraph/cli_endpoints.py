"""``paymentgraph endpoints list|deliveries|redeliver``: merchant webhook endpoints and their deliveries.

(``paymentgraph webhooks`` is taken by the payment providers' incoming webhook events.)
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from paymentgraph.cli_common import CommandError, database_errors, prepare, settings_from
from paymentgraph.config import Settings


async def _list(settings: Settings, _args: argparse.Namespace) -> int:
    from paymentgraph.connection import PaymentGraph
    from paymentgraph.events.webhooks.endpoints import list_endpoints

    async with PaymentGraph.connect(settings=settings) as pg:
        found = await list_endpoints(pg)
    for e in found:
        state = "enabled" if e.is_enabled else "disabled"
        print(f"{e.id}  {e.url}  {','.join(e.events)}  {state}  {e.description or ''}".rstrip())
    print(f"{len(found)} endpoint(s)")
    return 0


async def _deliveries(settings: Settings, args: argparse.Namespace) -> int:
    from paymentgraph.connection import PaymentGraph
    from paymentgraph.events.webhooks.deliveries import deliveries_of
    from paymentgraph.events.webhooks.endpoints import retrieve_endpoint

    async with PaymentGraph.connect(settings=settings) as pg:
        endpoint = await retrieve_endpoint(pg, args.endpoint)
        found = (await deliveries_of(pg, [endpoint.id], args.take)).get(endpoint.id, [])
    for d in found:
        answer = "-" if d.response_status is None else str(d.response_status)
        line = f"{d.id}  {d.event.id}  {d.event.name}  {d.status}  attempts={d.attempts}  http={answer}"
        if d.next_attempt_at is not None:
            line += f"  next={d.next_attempt_at.isoformat(timespec='seconds')}"
        print(f"{line}  {d.last_error or ''}".rstrip())
    print(f"{len(found)} deliver{'y' if len(found) == 1 else 'ies'}")
    return 0


async def _redeliver(settings: Settings, args: argparse.Namespace) -> int:
    from paymentgraph.connection import PaymentGraph
    from paymentgraph.events.webhooks.deliveries import redeliver_event

    async with PaymentGraph.connect(settings=settings) as pg:
        delivery = await redeliver_event(pg, args.endpoint, args.event)
    print(f"{delivery.id}  {delivery.event.id}  {delivery.event.name}  pending again (a worker sends it)")
    return 0


def add_endpoint_commands(commands: Any, command: Any, with_database: Any) -> None:
    """Add ``endpoints`` and its actions to the CLI's subcommands (``command`` makes a subcommand)."""
    endpoints = command(commands, "endpoints", "merchant webhook endpoints and their deliveries")
    actions = endpoints.add_subparsers(dest="action", required=True, title="actions", metavar="ACTION")
    with_database(command(actions, "list", "every endpoint: id, url, events, enabled"))
    listing = with_database(command(actions, "deliveries", "an endpoint's deliveries, newest first"))
    listing.add_argument("--endpoint", required=True, metavar="ID", help="the endpoint (whep_...)")
    listing.add_argument(
        "--take", type=int, default=50, metavar="N", help="at most N deliveries (default 50)"
    )
    redeliver = with_database(command(actions, "redeliver", "send an event to an endpoint again"))
    redeliver.add_argument("--endpoint", required=True, metavar="ID", help="the endpoint (whep_...)")
    redeliver.add_argument("--event", required=True, metavar="ID", help="the event (evt_...)")
    endpoints.set_defaults(run=cmd_endpoints)


def cmd_endpoints(args: argparse.Namespace) -> int:
    from paymentgraph.errors import DomainError

    settings = settings_from(args)
    prepare(settings, migrate=False)
    run = {"list": _list, "deliveries": _deliveries, "redeliver": _redeliver}[args.action]
    with database_errors(settings):
        try:
            return asyncio.run(run(settings, args))
        except DomainError as exc:  # an unknown id: one line, exit 1
            raise CommandError(f"{exc.code}: {exc.message}") from None
