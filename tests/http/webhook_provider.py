"""A payment provider for live servers in tests: the system provider, plus webhooks it reads from a plain
JSON body ``{"id", "type", "session_id", "amount"}`` (no signature; type = the action), so a test can
post a provider webhook to ``/hooks/payment/hooked_<id>`` without Stripe. Configured by import path
(``resolve = "webhook_provider:HookedProvider"``); tests/http must be on the server's PYTHONPATH."""

from __future__ import annotations

from decimal import Decimal

from paymentgraph.modules.payment.providers.base import WebhookAction, WebhookPayload, WebhookResult
from paymentgraph.modules.payment.providers.system import SystemPaymentProvider


class HookedProvider(SystemPaymentProvider):
    identifier = "hooked"

    async def get_webhook_action_and_data(self, payload: WebhookPayload) -> WebhookResult:
        body = payload.data
        amount = body.get("amount")
        return WebhookResult(
            action=WebhookAction(body["type"]),
            session_id=body.get("session_id"),
            amount=Decimal(amount) if amount is not None else None,
            event_id=body["id"],
            event_type=body["type"],
        )
