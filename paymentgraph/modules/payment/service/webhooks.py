"""Receiving provider webhooks: verify, store once by event id, then apply (and retry what failed).

``receive_webhook`` is what the HTTP route calls before answering: the provider verifies the
signature on the raw body (a bad or stale one raises INVALID_DATA and nothing is stored), then the
event is stored once under (provider id, event id). The route answers 200 and applies it afterwards
with ``process_webhook_event``. A duplicate delivery finds the stored event and changes nothing,
except that an event whose application failed is applied again, and so is a processed event whose
follow-up (a hook such as cart completion) failed: applying the payment part twice changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.db.types import utcnow
from paymentgraph.errors import DomainError, InvalidData, not_found
from paymentgraph.modules.payment.providers.base import WebhookAction, WebhookPayload
from paymentgraph.modules.payment.repository import webhook_events as repo
from paymentgraph.modules.payment.service.provider_calls import ProviderCalls
from paymentgraph.modules.payment.service.webhook_actions import WebhookActionService
from paymentgraph.modules.payment.webhooks import (
    ReceivedWebhook,
    WebhookEvent,
    event_dto,
    result_from_payload,
    stored_payload,
)

logger = logging.getLogger(__name__)

# An event left received/processing this long was dropped by a crash or a lost task: retry it.
STALE_AFTER = timedelta(minutes=5)


class WebhookService:
    """Webhook deliveries: verified by their provider, stored once, applied by ``actions``."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        providers: ProviderCalls,
        actions: WebhookActionService,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._providers = providers
        self._actions = actions

    async def receive_webhook(self, provider_id: str, payload: WebhookPayload) -> ReceivedWebhook:
        """Verify and store a delivery; INVALID_DATA (nothing stored) when the signature is refused."""
        provider = self._providers.get(provider_id)
        result = await provider.get_webhook_action_and_data(payload)
        if result.action == WebhookAction.NOT_SUPPORTED or not result.event_id:
            return ReceivedWebhook(result.action, None, duplicate=False, should_apply=False)
        async with write_transaction(self._sessionmaker) as session:
            stored = await repo.insert_once(
                session,
                {
                    "id": new_id("pwhevt"),
                    "provider_id": provider.id,
                    "event_id": result.event_id,
                    "event_type": result.event_type,
                    "payload": stored_payload(result, payload.data),
                },
            )
            row = await repo.find(session, provider.id, result.event_id)
            if row is None:  # cannot happen: the row was inserted or already there
                raise not_found("WebhookEvent", result.event_id)
            event = event_dto(row)
        # A redelivered event that failed (or whose follow-up failed) gets another attempt; else a no-op.
        followup_failed = event.status == repo.PROCESSED and event.last_error is not None
        should_apply = stored or event.status == repo.FAILED or followup_failed
        return ReceivedWebhook(result.action, event, duplicate=not stored, should_apply=should_apply)

    async def process_webhook_event(self, id: str) -> WebhookEvent:
        """Apply a stored event (received, failed, or with a failed follow-up) once; outcomes are recorded."""
        return await self._attempt(id, (repo.RECEIVED, repo.FAILED))

    async def _attempt(self, id: str, from_statuses: Sequence[str]) -> WebhookEvent:
        async with write_transaction(self._sessionmaker) as session:
            claimed = await repo.claim(session, id, from_statuses, followups=True)
            row = await repo.get(session, id)
            if row is None:
                raise not_found("WebhookEvent", id)
            provider_id, result = row.provider_id, result_from_payload(row)
            if not claimed:  # processed already, or another worker has it
                return event_dto(row)
        error: str | None = None
        followup_error: str | None = None
        try:
            followup_error = await self._actions.apply(provider_id, result)
        except DomainError as exc:
            error = f"{exc.code}: {exc.message}"
        except Exception as exc:  # recorded for an admin and retried; never lost
            logger.exception("applying webhook event %s failed", id)
            error = f"{type(exc).__name__}: {exc}"
        async with write_transaction(self._sessionmaker) as session:
            await repo.finish(session, id, error=error, followup_error=followup_error)
            row = await repo.get(session, id)
            assert row is not None
            return event_dto(row)

    async def retry_failed_webhook_events(
        self, *, stale_after: timedelta = STALE_AFTER
    ) -> list[WebhookEvent]:
        """Apply again failed events, those stuck since ``stale_after`` and those whose follow-up failed."""
        async with read_session(self._sessionmaker) as session:
            ids = await repo.retryable_ids(session, stale_before=utcnow() - stale_after)
        return [await self._attempt(id, (repo.FAILED, repo.RECEIVED, repo.PROCESSING)) for id in ids]

    async def list_webhook_events(
        self, status: str | None = None, *, provider_id: str | None = None, take: int | None = None
    ) -> list[WebhookEvent]:
        """Stored webhook events, oldest first; ``status="failed"`` shows what still needs attention."""
        if status is not None and status not in repo.STATUSES:
            raise InvalidData(
                f"Unknown webhook event status {status!r}; use one of {', '.join(repo.STATUSES)}",
                field="status",
            )
        async with read_session(self._sessionmaker) as session:
            rows = await repo.list_events(
                session, statuses=[status] if status else None, provider_id=provider_id, take=take
            )
            return [event_dto(row) for row in rows]

    async def list_and_count_webhook_events(
        self,
        status: str | None = None,
        *,
        provider_id: str | None = None,
        skip: int = 0,
        take: int | None = None,
    ) -> tuple[list[WebhookEvent], int]:
        """A page of ``list_webhook_events`` and how many there are in all (Medusa's listAndCount)."""
        if status is not None and status not in repo.STATUSES:
            raise InvalidData(
                f"Unknown webhook event status {status!r}; use one of {', '.join(repo.STATUSES)}",
                field="status",
            )
        statuses = [status] if status else None
        async with read_session(self._sessionmaker) as session:
            rows = await repo.list_events(
                session, statuses=statuses, provider_id=provider_id, skip=skip, take=take
            )
            count = await repo.count_events(session, statuses=statuses, provider_id=provider_id)
            return [event_dto(row) for row in rows], count
