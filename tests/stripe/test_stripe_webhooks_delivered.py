"""Webhooks localstripe itself sends, delivered over HTTP to the route served by uvicorn on loopback.

Peer: localstripe signs and posts ``payment_intent.succeeded`` and ``payment_intent.payment_failed``
about a second after the change (its other events, like ``customer.created``, are acknowledged as
not supported). Hand-signed events of every type are in ``test_stripe_webhooks.py``.
"""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from stripe_peers import WEBHOOK_SECRET, StripeBrowser, eventually, new_session, served, webhook_app

from paymentgraph import PaymentGraph

pytestmark = pytest.mark.stripe


async def test_events_localstripe_sends_are_verified_and_applied(
    stripe_pg: PaymentGraph, browser: StripeBrowser, localstripe: str
) -> None:
    async with served(webhook_app(stripe_pg)) as base_url:
        async with httpx.AsyncClient(base_url=localstripe) as config:
            registered = await config.post(
                "/_config/webhooks/paymentgraph",
                data={"url": f"{base_url}/hooks/payment/stripe_stripe", "secret": WEBHOOK_SECRET},
            )
            registered.raise_for_status()
        try:
            paid = await new_session(
                stripe_pg, "20", payment_method="pm_card_visa", capture_method="automatic"
            )
            await browser.confirm(paid.data["id"])
            declined = await new_session(stripe_pg, "20", payment_method="pm_card_chargeCustomerFail")
            await browser.confirm(declined.data["id"])

            async def settled() -> bool:
                events = await stripe_pg.payment.list_webhook_events(status="processed")
                return {e.event_type for e in events} >= {
                    "payment_intent.succeeded",
                    "payment_intent.payment_failed",
                }

            await eventually(settled)
        finally:
            async with httpx.AsyncClient(base_url=localstripe) as config:
                # Point the hook somewhere harmless for later tests (registrations survive flushes).
                await config.post(
                    "/_config/webhooks/paymentgraph",
                    data={"url": "http://127.0.0.1:9/unused", "secret": WEBHOOK_SECRET, "events[]": "none"},
                )

    [payment] = await stripe_pg.payment.list_payments({"payment_session_id": paid.id})
    assert payment.captured_amount == Decimal("20.00")
    assert (await stripe_pg.payment.retrieve_payment_session(declined.id)).status == "error"
    # Intents of earlier tests (flushed since) may still be announced a second late: those fail, ours not.
    failed = await stripe_pg.payment.list_webhook_events(status="failed")
    assert not {e.payment_session_id for e in failed} & {paid.id, declined.id}
