"""``paymentgraph webhooks list|retry`` and ``payments recover|release-abandoned``: provider webhook events
and the payments a crash or an abandoned cart left behind."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from paymentgraph.cli_common import database_errors, prepare, settings_from
from paymentgraph.config import Settings


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
    settings = settings_from(args)
    prepare(settings, migrate=False)
    with database_errors(settings):
        if args.action == "list":
            return asyncio.run(_webhooks_list(settings, args.status, args.take))
        return asyncio.run(_webhooks_retry(settings))


def cmd_payments(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    prepare(settings, migrate=False)
    with database_errors(settings):
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


def add_payment_commands(commands: Any, command: Any, with_database: Any) -> None:
    """Add ``webhooks`` and ``payments`` to the CLI's subcommands (``command``: its subcommand maker)."""
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
