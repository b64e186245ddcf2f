"""SQL of ``payment_webhook_event``: store an event once, claim it for applying, record the outcome."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.statements import execute_dml, insert_for
from paymentgraph.db.types import utcnow
from paymentgraph.modules.payment.models import WebhookEvent

RECEIVED = "received"
PROCESSING = "processing"
PROCESSED = "processed"
FAILED = "failed"
STATUSES = (RECEIVED, PROCESSING, PROCESSED, FAILED)
# A processed event with last_error: the payment part applied, a hook after it (cart completion) failed.
FOLLOWUP_FAILED = "follow-up failed: "
# How many attempts in all a processed event with a failed follow-up gets from scheduled retries.
FOLLOWUP_MAX_ATTEMPTS = 5


def _followup_pending() -> Any:
    return (WebhookEvent.status == PROCESSED) & WebhookEvent.last_error.is_not(None)


async def insert_once(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the event unless (provider_id, event_id) is stored already; True when this call stored it."""
    now = utcnow()
    row = {**values, "status": RECEIVED, "attempts": 0, "created_at": now, "updated_at": now}
    stmt = (
        insert_for(session, WebhookEvent)
        .values(**row)
        .on_conflict_do_nothing(index_elements=["provider_id", "event_id"])
    )
    return bool((await execute_dml(session, stmt)).rowcount)


async def find(session: AsyncSession, provider_id: str, event_id: str) -> WebhookEvent | None:
    stmt = select(WebhookEvent).where(
        WebhookEvent.provider_id == provider_id, WebhookEvent.event_id == event_id
    )
    return (await session.execute(stmt)).scalars().first()


async def get(session: AsyncSession, id: str) -> WebhookEvent | None:
    return await session.get(WebhookEvent, id, populate_existing=True)


async def claim(
    session: AsyncSession, id: str, from_statuses: Sequence[str], *, followups: bool = False
) -> bool:
    """Move the event to ``processing`` if it is in one of ``from_statuses`` (one claimant wins).

    ``followups``: also claim a processed event whose follow-up failed.
    """
    claimable = WebhookEvent.status.in_(list(from_statuses))
    if followups:
        claimable = claimable | _followup_pending()
    stmt = (
        update(WebhookEvent)
        .where(WebhookEvent.id == id, claimable)
        .values(status=PROCESSING, attempts=WebhookEvent.attempts + 1, updated_at=utcnow())
    )
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def finish(
    session: AsyncSession, id: str, *, error: str | None, followup_error: str | None = None
) -> None:
    """Record an attempt: processed (with ``followup_error`` if a hook failed), or failed with its error."""
    now = utcnow()
    values: dict[str, Any] = (
        {
            "status": PROCESSED,
            "last_error": (FOLLOWUP_FAILED + followup_error)[:2000] if followup_error else None,
            "processed_at": now,
            "updated_at": now,
        }
        if error is None
        else {"status": FAILED, "last_error": error[:2000], "updated_at": now}
    )
    await session.execute(update(WebhookEvent).where(WebhookEvent.id == id).values(**values))


async def list_events(
    session: AsyncSession,
    *,
    statuses: Sequence[str] | None = None,
    provider_id: str | None = None,
    take: int | None = None,
    skip: int = 0,
) -> list[WebhookEvent]:
    """Events, oldest first, optionally only those in ``statuses`` and of one provider."""
    stmt = _events_where(select(WebhookEvent), statuses, provider_id)
    stmt = stmt.order_by(WebhookEvent.created_at, WebhookEvent.id)
    if skip:
        stmt = stmt.offset(skip)
    if take is not None:
        stmt = stmt.limit(take)
    return list((await session.execute(stmt)).scalars())


async def count_events(
    session: AsyncSession, *, statuses: Sequence[str] | None = None, provider_id: str | None = None
) -> int:
    """How many events ``list_events`` would return without skip and take."""
    stmt = _events_where(select(func.count()).select_from(WebhookEvent), statuses, provider_id)
    return int((await session.execute(stmt)).scalar_one())


def _events_where(stmt: Any, statuses: Sequence[str] | None, provider_id: str | None) -> Any:
    if statuses:
        stmt = stmt.where(WebhookEvent.status.in_(list(statuses)))
    if provider_id:
        stmt = stmt.where(WebhookEvent.provider_id == provider_id)
    return stmt


async def retryable_ids(session: AsyncSession, *, stale_before: datetime) -> list[str]:
    """Failed events, events left received/processing since before ``stale_before`` (a crash), and
    processed events whose follow-up failed (up to FOLLOWUP_MAX_ATTEMPTS attempts)."""
    stuck = WebhookEvent.status.in_([RECEIVED, PROCESSING]) & (WebhookEvent.updated_at < stale_before)
    followup = _followup_pending() & (WebhookEvent.attempts < FOLLOWUP_MAX_ATTEMPTS)
    stmt = (
        select(WebhookEvent.id)
        .where((WebhookEvent.status == FAILED) | stuck | followup)
        .order_by(WebhookEvent.created_at, WebhookEvent.id)
    )
    return list((await session.execute(stmt)).scalars())
