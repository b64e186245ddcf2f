"""Releasing the authorizations of abandoned carts: the CLI command and the served app's maintenance.

Peers: localstripe (the cancellation reaches a real PaymentIntent) and the in-repo fake for an
authorization whose card window has closed (``capture_before`` in the past), which localstripe cannot show.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from fake_stripe import FakeStripeState
from provider_changes_support import StripeShop, served_app, stripe_app_settings
from stripe_peers import API_KEY, WEBHOOK_SECRET

from paymentgraph.cli import main
from paymentgraph.db.types import utcnow

pytestmark = pytest.mark.stripe

AUTHORIZE = "mutation($id: ID!) { authorizePaymentSession(id: $id) { id } }"


async def held_cart(shop: StripeShop, *, complete: bool, **confirm: str) -> tuple[str, str]:
    """A card payment authorized for a cart, completed into an order or left: (cart id, session id)."""
    cart_id, _, session = await shop.cart({"payment_method": "pm_card_visa"})
    await shop.confirm(session["data"]["id"], **confirm)
    if complete:
        await shop.complete(cart_id)
    else:  # the storefront authorized, then the customer left
        await shop.ok(AUTHORIZE, {"id": session["id"]})
    return cart_id, session["id"]


async def test_the_command_cancels_only_the_abandoned_carts_authorizations(
    database_url: str, localstripe: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in (("API_KEY", API_KEY), ("API_BASE", localstripe), ("WEBHOOK_SECRET", WEBHOOK_SECRET)):
        monkeypatch.setenv(f"PAYMENTGRAPH_STRIPE_{name}", value)
    async with served_app(stripe_app_settings(database_url, localstripe)) as (_, client):
        shop = StripeShop(client, localstripe)
        left_cart, left_session = await held_cart(shop, complete=False)
        _, ordered_session = await held_cart(shop, complete=True)

        command = ["payments", "release-abandoned", "--database-url", database_url]
        # Authorized moments ago: not abandoned for an hour yet.
        assert await asyncio.to_thread(main, [*command, "--older-than-hours", "1"]) == 0
        assert "released 0 authorization(s), 0 failed" in capsys.readouterr().out
        assert await asyncio.to_thread(main, [*command, "--older-than-hours", "0"]) == 0
        out = capsys.readouterr().out
        assert f"cart={left_cart}  abandoned  released" in out
        assert "released 1 authorization(s), 0 failed" in out

        left = await shop.session(left_session)
        assert left["payment"]["canceledAt"] is not None
        assert (await shop.intent(left["data"]["id"]))["status"] == "canceled"
        ordered = await shop.session(ordered_session)
        assert ordered["payment"]["canceledAt"] is None
        assert (await shop.intent(ordered["data"]["id"]))["status"] == "requires_capture"
        # The customer who comes back must pay again: the released session cannot complete the cart.
        code = await shop.error_code(
            "mutation($c: ID!) { completeCart(cartId: $c) { id } }", {"c": left_cart}
        )
        assert code == "NOT_ALLOWED"
        await shop.close()


async def test_the_served_app_releases_expired_authorizations_on_its_schedule(
    database_url: str, fake_stripe: tuple[str, FakeStripeState]
) -> None:
    settings = stripe_app_settings(database_url, fake_stripe[0])
    async with served_app(settings) as (app, client):
        shop = StripeShop(client, fake_stripe[0])
        # Abandoned minutes ago, under the default 6 hours (authorized first, so the pass that releases
        # the other one has seen it too).
        _, fresh_session = await held_cart(shop, complete=False)
        # Stripe says the card's authorization window closed an hour ago; the order is placed anyway.
        _, expired_session = await held_cart(shop, complete=True, capture_before=str(int(time.time()) - 3600))

        # The release job's next scheduled time, run as the worker's own scheduler would run it.
        minute = (utcnow() + timedelta(minutes=1)).replace(second=0, microsecond=0)
        await app.state.worker.scheduler.run_due(minute)
        expired = await shop.session(expired_session)
        assert (await shop.intent(expired["data"]["id"]))["status"] == "canceled"
        collection = await shop.ok(
            "query($id: ID!) { paymentSession(id: $id) { paymentCollection { authorizedAmount } } }",
            {"id": expired_session},
        )
        assert Decimal(collection["paymentSession"]["paymentCollection"]["authorizedAmount"]) == 0
        assert (await shop.session(fresh_session))["payment"]["canceledAt"] is None
        await shop.close()
