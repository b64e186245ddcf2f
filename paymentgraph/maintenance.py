"""Built-in maintenance as scheduled jobs: the served app registers them on ``pg.handlers``.

- ``paymentgraph.webhook_retry`` applies failed and stuck provider webhook events again
  (``paymentgraph webhooks retry`` does the same once);
- ``paymentgraph.pending_recovery`` settles captures and refunds left ``pending`` by a crash, asking the
  provider again with the same idempotency key (``paymentgraph payments recover``);
- ``paymentgraph.release_abandoned_authorizations`` cancels the authorizations of carts abandoned past
  ``PAYMENTGRAPH_ABANDONED_AUTHORIZATION_HOURS`` and expired ones (as ``payments release-abandoned``);
- ``paymentgraph.prune`` deletes expired idempotency keys and old finished workflow runs.

Like any job they run once per scheduled time across all workers (``PAYMENTGRAPH_MAINTENANCE_CRON``,
every minute by default; pruning hourly). A run cut short by shutdown loses nothing: an event being
applied stays ``processing`` and a provider call stays ``pending``, and a later run picks both up.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from paymentgraph.events.registry import Job, JobHandler
from paymentgraph.modules.payment.service.recovery import RECOVER_AFTER
from paymentgraph.workflows.prune import prune
from paymentgraph.workflows.release_authorizations import (
    ReleasedAuthorization,
    release_abandoned_authorizations,
)

if TYPE_CHECKING:
    from paymentgraph.connection import PaymentGraph

logger = logging.getLogger(__name__)

PRUNE_CRON = "7 * * * *"


async def retry_webhook_events(pg: PaymentGraph) -> None:
    for event in await pg.payment.retry_failed_webhook_events():
        if event.status != "processed" or event.last_error:
            logger.warning("webhook event %s is %s: %s", event.id, event.status, event.last_error)


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


async def release_abandoned_job(pg: PaymentGraph) -> None:
    await release_abandoned(pg)


def recover_pending_operations(older_than: timedelta) -> JobHandler:
    async def recover(pg: PaymentGraph) -> None:
        await pg.payment.recover_pending_operations(older_than=older_than)

    return recover


async def prune_expired(pg: PaymentGraph) -> None:
    keys, runs = await prune(pg.sessionmaker)
    logger.info("pruned %d idempotency keys and %d workflow runs", keys, runs)


def maintenance_jobs(cron: str, *, pending_older_than: timedelta = RECOVER_AFTER) -> list[Job]:
    """The built-in jobs, ``cron`` for the payment ones (none when ``cron`` is empty).

    ``pending_older_than``: the age at which a pending capture or refund is settled (younger ones may
    still be in flight; ``PAYMENTGRAPH_RECOVER_PENDING_AFTER_SECONDS``).
    """
    if not cron:
        return []
    return [
        Job("paymentgraph.webhook_retry", cron, retry_webhook_events),
        Job("paymentgraph.pending_recovery", cron, recover_pending_operations(pending_older_than)),
        Job("paymentgraph.release_abandoned_authorizations", cron, release_abandoned_job),
        Job("paymentgraph.prune", PRUNE_CRON, prune_expired),
    ]
