"""``paymentgraph events deliveries|retry|jobs``: subscribers' deliveries and scheduled jobs' runs."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from paymentgraph.cli_common import database_errors, prepare, settings_from
from paymentgraph.config import Settings


async def _deliveries(settings: Settings, args: argparse.Namespace) -> int:
    from paymentgraph.connection import PaymentGraph
    from paymentgraph.events.deliveries import list_deliveries

    async with PaymentGraph.connect(settings=settings) as pg:
        found = await list_deliveries(pg, status=args.status, subscriber=args.subscriber, take=args.take)
    for d in found:
        print(
            f"{d.id}  {d.subscriber}  {d.event_id}  {d.event_name}  {d.status}  attempts={d.attempts}"
            f"  {d.last_error or ''}".rstrip()
        )
    print(f"{len(found)} deliver{'y' if len(found) == 1 else 'ies'}")
    return 0


async def _retry(settings: Settings, args: argparse.Namespace) -> int:
    from paymentgraph.connection import PaymentGraph
    from paymentgraph.events.deliveries import retry_deliveries

    async with PaymentGraph.connect(settings=settings) as pg:
        count = await retry_deliveries(pg, args.id or None, subscriber=args.subscriber)
    print(f"{count} failed deliver{'y' if count == 1 else 'ies'} pending again")
    return 0


async def _jobs(settings: Settings, args: argparse.Namespace) -> int:
    from paymentgraph.connection import PaymentGraph
    from paymentgraph.events.scheduler import list_job_runs

    async with PaymentGraph.connect(settings=settings) as pg:
        runs = await list_job_runs(pg, job=args.job, take=args.take)
    for r in runs:
        print(f"{r.job}  {r.scheduled_at.isoformat()}  {r.status}  {r.worker}  {r.error or ''}".rstrip())
    print(f"{len(runs)} run(s)")
    return 0


def add_event_commands(commands: Any, command: Any, with_database: Any) -> None:
    """Add ``events`` and its actions to the CLI's subcommands (``command``: the CLI's subcommand maker)."""
    events = command(commands, "events", "subscribers' deliveries and scheduled jobs' runs")
    actions = events.add_subparsers(dest="action", required=True, title="actions", metavar="ACTION")
    listing = with_database(command(actions, "deliveries", "subscribers' deliveries, newest event first"))
    listing.add_argument(
        "--status", choices=("pending", "succeeded", "failed"), help="only deliveries in this status"
    )
    listing.add_argument("--subscriber", metavar="NAME", help="only this subscriber's deliveries")
    listing.add_argument(
        "--take", type=int, default=50, metavar="N", help="at most N deliveries (default 50)"
    )
    retry = with_database(
        command(actions, "retry", "make failed deliveries pending again (every one, or those given by --id)")
    )
    retry.add_argument("--id", action="append", metavar="ID", help="a delivery id (repeatable)")
    retry.add_argument("--subscriber", metavar="NAME", help="only this subscriber's failed deliveries")
    jobs = with_database(command(actions, "jobs", "scheduled jobs' runs, newest scheduled time first"))
    jobs.add_argument("--job", metavar="NAME", help="only this job's runs")
    jobs.add_argument("--take", type=int, default=50, metavar="N", help="at most N runs (default 50)")
    events.set_defaults(run=cmd_events)


def cmd_events(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    prepare(settings, migrate=False)
    run = {"deliveries": _deliveries, "retry": _retry, "jobs": _jobs}[args.action]
    with database_errors(settings):
        return asyncio.run(run(settings, args))
