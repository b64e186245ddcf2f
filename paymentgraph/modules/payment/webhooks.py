"""Provider webhook events as the module stores and reports them (framework-free).

A verified event is stored once under (provider id, provider event id) with what the provider made of
it (action, session id, amount) before anything is applied, so a duplicate delivery changes nothing
and a failed application can be retried later without the signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from paymentgraph.errors import InvalidData
from paymentgraph.modules.payment.models import WebhookEvent as WebhookEventRow
from paymentgraph.modules.payment.providers.base import WebhookAction, WebhookResult


@dataclass(frozen=True)
class WebhookEvent:
    """A stored provider event and how applying it went (``received|processing|processed|failed``)."""

    id: str
    provider_id: str
    event_id: str
    event_type: str | None
    action: str
    payment_session_id: str | None
    amount: Decimal | None
    status: str
    attempts: int
    last_error: str | None
    processed_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ReceivedWebhook:
    """The answer to a delivery: the stored event (None when not supported) and whether to apply it."""

    action: WebhookAction
    event: WebhookEvent | None
    duplicate: bool
    should_apply: bool


def provider_id_from_path(segment: object) -> str:
    """``stripe_stripe`` -> ``pp_stripe_stripe``; an id already prefixed passes unchanged (Medusa §10)."""
    if not isinstance(segment, str) or not segment.strip():
        raise InvalidData("The webhook path must name a payment provider", field="provider")
    segment = segment.strip()
    return segment if segment.startswith("pp_") else f"pp_{segment}"


def stored_payload(result: WebhookResult, body: dict[str, Any]) -> dict[str, Any]:
    """What is kept of an event: the provider's reading of it and the verified body."""
    return {
        "action": result.action.value,
        "session_id": result.session_id,
        "amount": str(result.amount) if result.amount is not None else None,
        "details": result.details,
        "event": body,
    }


def result_from_payload(row: WebhookEventRow) -> WebhookResult:
    payload = row.payload or {}
    amount = payload.get("amount")
    return WebhookResult(
        action=WebhookAction(payload.get("action", WebhookAction.NOT_SUPPORTED.value)),
        session_id=payload.get("session_id"),
        amount=Decimal(amount) if amount is not None else None,
        event_id=row.event_id,
        event_type=row.event_type,
        details=payload.get("details"),
    )


def event_dto(row: WebhookEventRow) -> WebhookEvent:
    result = result_from_payload(row)
    return WebhookEvent(
        id=row.id,
        provider_id=row.provider_id,
        event_id=row.event_id,
        event_type=row.event_type,
        action=result.action.value,
        payment_session_id=result.session_id,
        amount=result.amount,
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        processed_at=row.processed_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@dataclass(frozen=True)
class WebhookApplied:
    """Passed to webhook hooks after an event changed (or confirmed) a session's state."""

    provider_id: str
    event_id: str
    action: str
    payment_session_id: str
    payment_collection_id: str
    payment_id: str | None
