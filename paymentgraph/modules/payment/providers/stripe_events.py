"""PaymentIntent statuses and webhook events mapped as Medusa's Stripe provider maps them (§6.5, §6.6)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import stripe

from paymentgraph.errors import InvalidData
from paymentgraph.modules.payment.providers.base import SessionStatus, WebhookAction, WebhookResult
from paymentgraph.modules.payment.providers.stripe_amounts import from_smallest_unit

WEBHOOK_TOLERANCE_SECONDS = 300

_STATUS = {
    "requires_confirmation": SessionStatus.PENDING,
    "processing": SessionStatus.PENDING,
    "requires_action": SessionStatus.REQUIRES_MORE,
    "canceled": SessionStatus.CANCELED,
    "requires_capture": SessionStatus.AUTHORIZED,
    "succeeded": SessionStatus.CAPTURED,
}

_EVENT_ACTIONS = {
    "payment_intent.created": WebhookAction.PENDING,
    "payment_intent.processing": WebhookAction.PENDING,
    "payment_intent.canceled": WebhookAction.CANCELED,
    "payment_intent.payment_failed": WebhookAction.FAILED,
    "payment_intent.requires_action": WebhookAction.REQUIRES_MORE,
    "payment_intent.partially_funded": WebhookAction.REQUIRES_MORE,
    "payment_intent.amount_capturable_updated": WebhookAction.AUTHORIZED,
    "payment_intent.succeeded": WebhookAction.CAPTURED,
}

# What a session keeps of a PaymentIntent: enough for Stripe.js (client_secret) and later calls.
_INTENT_KEYS = (
    "id",
    "object",
    "client_secret",
    "status",
    "amount",
    "amount_capturable",
    "amount_received",
    "currency",
    "capture_method",
    "customer",
    "payment_method",
    "setup_future_usage",
)


def session_status(intent: dict[str, Any]) -> SessionStatus:
    """The session status a PaymentIntent status means (a declined attempt is ``error``)."""
    status = intent.get("status")
    if status == "requires_payment_method":
        return SessionStatus.ERROR if intent.get("last_payment_error") else SessionStatus.PENDING
    return _STATUS.get(str(status), SessionStatus.PENDING)


def intent_data(intent: dict[str, Any]) -> dict[str, Any]:
    """The JSON-safe part of a PaymentIntent the session and payment store as their ``data``."""
    data = {key: intent[key] for key in _INTENT_KEYS if intent.get(key) is not None}
    charge = intent.get("latest_charge")
    # Real Stripe sends the charge id; localstripe embeds the Charge object.
    if isinstance(charge, dict):
        charge = charge.get("id")
    if charge:
        data["latest_charge"] = charge
    error = intent.get("last_payment_error")
    if isinstance(error, dict):
        data["last_payment_error"] = {
            k: error[k] for k in ("code", "decline_code", "message", "type") if error.get(k) is not None
        }
    return data


def verify_event(
    raw_body: bytes, signature: str | None, secret: str | None, *, provider_id: str
) -> dict[str, Any]:
    """The event in ``raw_body`` once its Stripe-Signature checks out (INVALID_DATA otherwise)."""
    if not secret:
        raise InvalidData(
            "Stripe webhooks cannot be verified: PAYMENTGRAPH_STRIPE_WEBHOOK_SECRET is not set",
            provider_id=provider_id,
        )
    try:
        stripe.WebhookSignature.verify_header(raw_body, signature, secret, WEBHOOK_TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError as exc:
        raise InvalidData(
            f"Stripe webhook signature verification failed: {exc}", provider_id=provider_id
        ) from None
    except UnicodeDecodeError:
        raise InvalidData("Stripe webhook body is not UTF-8", provider_id=provider_id) from None
    try:
        event = json.loads(raw_body)
    except ValueError:
        raise InvalidData("Stripe webhook body is not JSON", provider_id=provider_id) from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise InvalidData("Stripe webhook body is not an event", provider_id=provider_id)
    return event


def _minor(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def webhook_result(event: dict[str, Any]) -> WebhookResult:
    """The action and data of a verified event; events not about our PaymentIntents are not supported."""
    event_id, event_type = event.get("id"), event.get("type")
    action = _EVENT_ACTIONS.get(str(event_type))
    data = event.get("data")
    intent = data.get("object") if isinstance(data, dict) else None
    if action is None or not isinstance(intent, dict):
        return WebhookResult(WebhookAction.NOT_SUPPORTED, event_id=event_id, event_type=event_type)
    metadata = intent.get("metadata")
    session_id = metadata.get("session_id") if isinstance(metadata, dict) else None
    currency = intent.get("currency")
    if not session_id or not isinstance(currency, str):
        # Not an intent this module created (Medusa requires metadata.session_id too).
        return WebhookResult(WebhookAction.NOT_SUPPORTED, event_id=event_id, event_type=event_type)
    units = _minor(intent.get("amount"))
    if event_type == "payment_intent.succeeded":
        # localstripe omits amount_received / amount_capturable: fall back to the intent amount.
        units = _minor(intent.get("amount_received")) or units
    elif event_type == "payment_intent.amount_capturable_updated":
        units = _minor(intent.get("amount_capturable")) or units
    elif event_type == "payment_intent.partially_funded":
        next_action = intent.get("next_action") or {}
        instructions = next_action.get("display_bank_transfer_instructions") or {}
        units = _minor(instructions.get("amount_remaining")) or units
    amount: Decimal | None = from_smallest_unit(units, currency) if units is not None else None
    return WebhookResult(
        action, session_id=session_id, amount=amount, event_id=event_id, event_type=event_type
    )
