"""Payment maintenance: retry failed webhook events, settle captures/refunds left pending by a crash,
and release the authorizations of abandoned carts.

``run_once(pg)`` does one pass (``paymentgraph webhooks retry``, ``paymentgraph payments recover`` and
``paymentgraph payments release-abandoned`` do each part);
``periodic_maintenance(pg, seconds)`` runs passes every ``seconds`` in a background task
for as long as its block lasts (the app's lifespan), logging errors instead of raising them, and cancels
the task cleanly on exit. A pass cut short by that cancellation loses nothing: an event being applied
stays ``processing`` and a provider call stays ``pending``, and both are picked up by a later pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from paymentgraph.modules.payment.dto import RecoveredOperation
from paymentgraph.modules.payment.service.recovery import RECOVER_AFTER
from paymentgraph.modules.payment.webhooks import WebhookEvent
from paymentgraph.workflows.release_authorizations import (
    ReleasedAuthorization,
    release_abandoned_authorizations,
)

if TYPE_CHECKING:
    from paymentgraph.connection import PaymentGraph

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MaintenancePass:
    """What one pass did (an empty list for a half that failed; ``errors`` says why)."""

    webhook_events: list[WebhookEvent] = field(default_factory=list)
    operations: list[RecoveredOperation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    released: list[ReleasedAuthorization] = field(default_factory=list)


async def run_once(pg: PaymentGraph, *, pending_older_than: timedelta = RECOVER_AFTER) -> MaintenancePass:
    """Retry failed webhook events, then recover stale pending operations; errors are logged, not raised."""
    events: list[WebhookEvent] = []
    operations: list[RecoveredOperation] = []
    errors: list[str] = []
    try:
        events = await pg.payment.retry_failed_webhook_events()
    except Exception as exc:
        logger.exception("retrying failed webhook events failed")
        errors.append(f"webhook retry: {type(exc).__name__}: {exc}")
    try:
        operations = await pg.payment.recover_pending_operations(older_than=pending_older_than)
    except Exception as exc:
        logger.exception("recovering pending captures and refunds failed")
        errors.append(f"pending recovery: {type(exc).__name__}: {exc}")
    released = await release_abandoned(pg)
    errors += [f"release {r.payment_id}: {r.error}" for r in released if r.outcome == "failed"]
    for event in events:
        if event.status != "processed" or event.last_error:
            logger.warning("webhook event %s is %s: %s", event.id, event.status, event.last_error)
    return MaintenancePass(events, operations, errors, released)


async def release_abandoned(pg: PaymentGraph) -> list[ReleasedAuthorization]:
    """Release abandoned carts' authorizations past ``abandoned_authorization_hours`` (0: only expired
    ones); errors are logged, not raised."""
    hours = pg.settings.abandoned_authorization_hours
    try:
        released = await release_abandoned_authorizations(
            pg, older_than=timedelta(hours=hours) if hours > 0 else None
        )
    except Exception:
        logger.exception("releasing abandoned authorizations failed")
        return []
    for r in released:
        if r.outcome == "failed":
            logger.warning("could not release the authorization of payment %s: %s", r.payment_id, r.error)
        elif r.outcome == "released":
            logger.info("released the %s authorization of payment %s", r.reason, r.payment_id)
    return released


async def run_periodically(
    pg: PaymentGraph, seconds: float, *, pending_older_than: timedelta = RECOVER_AFTER
) -> None:
    """Run a pass every ``seconds`` (the first after ``seconds``) until cancelled."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await run_once(pg, pending_older_than=pending_older_than)
        except Exception:  # run_once logs its own; this keeps the loop alive whatever happens
            logger.exception("payment maintenance pass failed")


@contextlib.asynccontextmanager
async def periodic_maintenance(
    pg: PaymentGraph, seconds: float, *, pending_older_than: timedelta = RECOVER_AFTER
) -> AsyncIterator[asyncio.Task[None] | None]:
    """Run :func:`run_periodically` in a task for the block (none when ``seconds`` is 0)."""
    if seconds <= 0:
        yield None
        return
    task = asyncio.create_task(
        run_periodically(pg, seconds, pending_older_than=pending_older_than), name="paymentgraph-maintenance"
    )
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
