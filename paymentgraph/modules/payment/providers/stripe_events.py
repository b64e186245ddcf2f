"""PaymentIntent statuses and webhook events mapped as Medusa's Stripe provider maps them (§6.5, §6.6).

Beyond Medusa: ``processing`` (SEPA debit, ACH, bank transfers) is an authorization in progress
(``pending_authorization``), and changes made at Stripe are read from their events: refunds
(``charge.refunded``) and disputes (``charge.dispute.*``). Those carry a Charge or a Dispute, not our
PaymentIntent, so the provider completes them (session id, refund list) in ``stripe_changes``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import stripe

from paymentgraph.errors import InvalidData
from paymentgraph.modules.payment.providers.base import SessionStatus, WebhookAction, WebhookResult
from paymentgraph.modules.payment.providers.stripe_amounts import from_smallest_unit

WEBHOOK_TOLERANCE_SECONDS = 300

_STATUS = {
    "requires_confirmation": SessionStatus.PENDING,
    "processing": SessionStatus.PENDING_AUTHORIZATION,
    "requires_action": SessionStatus.REQUIRES_MORE,
    "canceled": SessionStatus.CANCELED,
    "requires_capture": SessionStatus.AUTHORIZED,
    "succeeded": SessionStatus.CAPTURED,
}

_EVENT_ACTIONS = {
    "payment_intent.created": WebhookAction.PENDING,
    "payment_intent.processing": WebhookAction.PENDING_AUTHORIZATION,
    "payment_intent.canceled": WebhookAction.CANCELED,
    "payment_intent.payment_failed": WebhookAction.FAILED,
    "payment_intent.requires_action": WebhookAction.REQUIRES_MORE,
    "payment_intent.partially_funded": WebhookAction.REQUIRES_MORE,
    "payment_intent.amount_capturable_updated": WebhookAction.AUTHORIZED,
    "payment_intent.succeeded": WebhookAction.CAPTURED,
}

CHARGE_REFUNDED = "charge.refunded"
DISPUTE_EVENTS = frozenset(
    {
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
    }
)
# Refunds that never returned money (Stripe refund statuses); pending ones are on their way and count.
_VOID_REFUND_STATUSES = frozenset({"failed", "canceled"})
# Stripe releases an uncaptured card authorization after 7 days (online payments) unless the charge
# says otherwise (payment_method_details.card.capture_before).
CARD_AUTHORIZATION_DAYS = 7

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


def _timestamp(value: Any) -> datetime | None:
    unix = _minor(value)
    return datetime.fromtimestamp(unix, UTC) if unix is not None else None


def authorization_expiry(intent: dict[str, Any], *, now: datetime | None = None) -> datetime | None:
    """When Stripe stops holding an uncaptured card authorization; None when not a held card payment."""
    if intent.get("status") != "requires_capture":
        return None
    charge = intent.get("latest_charge")
    details = charge.get("payment_method_details") if isinstance(charge, dict) else None
    card = details.get("card") if isinstance(details, dict) else None
    capture_before = _timestamp(card.get("capture_before")) if isinstance(card, dict) else None
    if capture_before is not None:
        return capture_before
    kind = details.get("type") if isinstance(details, dict) else None
    types = intent.get("payment_method_types") or ["card"]
    if kind not in (None, "card") or (kind is None and "card" not in types):
        return None
    authorized = (_timestamp(charge.get("created")) if isinstance(charge, dict) else None) or now
    return (authorized or datetime.now(UTC)) + timedelta(days=CARD_AUTHORIZATION_DAYS)


def change_object(event: dict[str, Any]) -> dict[str, Any] | None:
    """The Charge of a ``charge.refunded`` or the Dispute of a ``charge.dispute.*`` event, else None."""
    if event.get("type") != CHARGE_REFUNDED and event.get("type") not in DISPUTE_EVENTS:
        return None
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    return obj if isinstance(obj, dict) else None


def refund_facts(refunds: list[dict[str, Any]], currency: str) -> list[dict[str, Any]]:
    """Stripe refunds that returned (or are returning) money, as stored on the event."""
    facts = []
    for refund in refunds:
        units = _minor(refund.get("amount"))
        if not refund.get("id") or units is None or refund.get("status") in _VOID_REFUND_STATUSES:
            continue
        metadata = refund.get("metadata")
        ours = metadata.get("refund_id") if isinstance(metadata, dict) else None
        facts.append(
            {
                "id": refund["id"],
                "amount": str(from_smallest_unit(units, refund.get("currency") or currency)),
                "refund_id": ours if isinstance(ours, str) else None,
            }
        )
    return facts


def dispute_facts(dispute: dict[str, Any], event: dict[str, Any]) -> dict[str, Any] | None:
    """What a dispute event says about the dispute, JSON-safe; None when it is not a usable dispute."""
    units = _minor(dispute.get("amount"))
    currency = dispute.get("currency")
    if not dispute.get("id") or units is None or not isinstance(currency, str):
        return None
    transactions = [t for t in dispute.get("balance_transactions") or [] if isinstance(t, dict)]
    # Withdrawn while the debits outweigh the credits (amounts are in the settlement currency, so only
    # their sign is used): one debit after funds_withdrawn, a credit beside it after funds_reinstated.
    net = sum(_minor(t.get("amount")) or 0 for t in transactions)
    count = len(transactions)
    if not transactions and event.get("type") == "charge.dispute.funds_withdrawn":
        net, count = -1, 1  # an event without its transactions still says what happened
    elif not transactions and event.get("type") == "charge.dispute.funds_reinstated":
        net, count = 0, 2
    evidence = dispute.get("evidence_details")
    due_by = _timestamp(evidence.get("due_by")) if isinstance(evidence, dict) else None
    created = _timestamp(event.get("created"))
    return {
        "id": dispute["id"],
        "amount": str(from_smallest_unit(units, currency)),
        "currency_code": currency.lower(),
        "reason": dispute.get("reason") if isinstance(dispute.get("reason"), str) else None,
        "status": dispute.get("status"),
        "evidence_due_by": due_by.isoformat() if due_by else None,
        "withdrawn": net < 0,
        "balance_transactions": count,
        "event_created": created.isoformat() if created else None,
    }
