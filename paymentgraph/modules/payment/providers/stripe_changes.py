"""Changes made at Stripe (dashboard refunds, disputes) read from their events, for the provider.

A ``charge.refunded`` event carries the Charge and a ``charge.dispute.*`` event the Dispute; neither is
our PaymentIntent, so the session is found through the charge's metadata or, failing that, its
PaymentIntent's (``metadata.session_id``, set when the intent was created). The refunds of a charge are
listed from Stripe when the event is received (since API version 2022-11-15 the Charge no longer
embeds them): the list is cumulative, so any one event, whenever it arrives, brings every refund made
so far, and the module records each provider refund id once.
"""

from __future__ import annotations

from typing import Any

import stripe

from paymentgraph.modules.payment.providers.base import WebhookAction, WebhookResult
from paymentgraph.modules.payment.providers.stripe_customers import plain
from paymentgraph.modules.payment.providers.stripe_errors import provider_error
from paymentgraph.modules.payment.providers.stripe_events import (
    CHARGE_REFUNDED,
    dispute_facts,
    refund_facts,
)

# Stripe's page size limit; a charge refunded in more than 100 parts is read page by page.
_PAGE = 100


def _id_of(value: Any) -> str | None:
    """An expandable field's id (Stripe sends an id, localstripe may embed the object)."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


class StripeChangesMixin:
    """Reading ``charge.refunded`` and ``charge.dispute.*`` events for :class:`StripeProvider`."""

    client: stripe.StripeClient
    id: str

    async def change_result(self, event: dict[str, Any], obj: dict[str, Any]) -> WebhookResult:
        event_id, event_type = event.get("id"), event.get("type")
        unsupported = WebhookResult(WebhookAction.NOT_SUPPORTED, event_id=event_id, event_type=event_type)
        session_id = await self._session_of(obj)
        if session_id is None:
            return unsupported  # not a payment this module created
        if event_type == CHARGE_REFUNDED:
            charge_id, currency = _id_of(obj.get("id")), obj.get("currency")
            if charge_id is None or not isinstance(currency, str):
                return unsupported
            refunds = refund_facts(await self._refunds_of(charge_id), currency)
            return WebhookResult(
                WebhookAction.REFUNDED,
                session_id=session_id,
                event_id=event_id,
                event_type=event_type,
                details={"refunds": refunds},
            )
        dispute = dispute_facts(obj, event)
        if dispute is None:
            return unsupported
        return WebhookResult(
            WebhookAction.DISPUTE,
            session_id=session_id,
            event_id=event_id,
            event_type=event_type,
            details={"dispute": dispute},
        )

    async def _session_of(self, obj: dict[str, Any]) -> str | None:
        metadata = obj.get("metadata")
        session_id = metadata.get("session_id") if isinstance(metadata, dict) else None
        if isinstance(session_id, str) and session_id:
            return session_id
        intent_id = _id_of(obj.get("payment_intent"))
        if intent_id is None:
            charge_id = _id_of(obj.get("charge"))
            if charge_id is None:
                return None
            charge = await self._call_stripe(
                self.client.v1.charges.retrieve_async(charge_id), "retrieve the charge", charge=charge_id
            )
            intent_id = _id_of(charge.get("payment_intent"))
            if intent_id is None:
                return None
        intent = await self._call_stripe(
            self.client.v1.payment_intents.retrieve_async(intent_id),
            "retrieve the PaymentIntent",
            payment_intent=intent_id,
        )
        metadata = intent.get("metadata")
        session_id = metadata.get("session_id") if isinstance(metadata, dict) else None
        return session_id if isinstance(session_id, str) and session_id else None

    async def _refunds_of(self, charge_id: str) -> list[dict[str, Any]]:
        refunds: list[dict[str, Any]] = []
        params: dict[str, Any] = {"charge": charge_id, "limit": _PAGE}
        while True:
            page = await self._call_stripe(
                self.client.v1.refunds.list_async(params=params),  # type: ignore[arg-type]
                "list the charge's refunds",
                charge=charge_id,
            )
            data = [r for r in page.get("data") or [] if isinstance(r, dict)]
            refunds.extend(data)
            if not page.get("has_more") or not data:
                return refunds
            params = {**params, "starting_after": data[-1]["id"]}

    async def _call_stripe(self, call: Any, action: str, **ids: Any) -> dict[str, Any]:
        try:
            return plain(await call)
        except stripe.StripeError as exc:
            raise provider_error(exc, action, provider_id=self.id, **ids) from None
