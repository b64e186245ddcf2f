"""The Stripe provider through the payment module service, against localstripe (a stateful peer).

Peer: localstripe covers the PaymentIntent lifecycle as Stripe.js and the API drive it: create with
manual capture, confirm, authorize, partial and full capture, partial refunds, cancel, a declined
card, 3-D Secure (requires_action, then localstripe's ``_authenticate``), customers (account holders),
SetupIntents and listing saved cards. What localstripe cannot show (idempotency keys actually sent,
Stripe's error codes, retries) is in ``test_stripe_provider_fake.py`` against the in-repo fake.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from stripe_peers import STRIPE, StripeBrowser, new_session

from paymentgraph import PaymentGraph
from paymentgraph.errors import AuthorizationFailed, NotAllowed, ProviderError, RequiresMore

pytestmark = pytest.mark.stripe


async def test_a_session_creates_a_manual_capture_payment_intent(
    stripe_pg: PaymentGraph, browser: StripeBrowser
) -> None:
    session = await new_session(stripe_pg, "20.50")
    assert session.provider_id == STRIPE
    assert session.status == "pending"
    assert session.data["id"].startswith("pi_")
    assert session.data["client_secret"].startswith(session.data["id"])
    intent = await browser.intent(session.data["id"])
    assert intent["amount"] == 2050
    assert intent["currency"] == "usd"
    assert intent["capture_method"] == "manual"
    assert intent["metadata"]["session_id"] == session.id


async def test_confirmed_card_authorizes_then_partial_capture_and_partial_refunds(
    stripe_pg: PaymentGraph, browser: StripeBrowser
) -> None:
    session = await new_session(stripe_pg, "20", payment_method="pm_card_visa")
    confirmed = await browser.confirm(session.data["id"])
    assert confirmed["status"] == "requires_capture"

    payment = await stripe_pg.payment.authorize_payment_session(session.id)
    assert payment.amount == Decimal("20.00")
    assert (await stripe_pg.payment.retrieve_payment_session(session.id)).status == "authorized"

    payment = await stripe_pg.payment.capture_payment({"payment_id": payment.id, "amount": "15"})
    assert payment.captured_amount == Decimal("15.00")
    assert (await browser.intent(session.data["id"]))["status"] == "succeeded"

    payment = await stripe_pg.payment.refund_payment({"payment_id": payment.id, "amount": "5"})
    payment = await stripe_pg.payment.refund_payment({"payment_id": payment.id, "amount": "4.50"})
    assert payment.refunded_amount == Decimal("9.50")
    assert [r.amount for r in payment.refunds] == [Decimal("5.00"), Decimal("4.50")]


async def test_after_a_partial_capture_stripe_released_the_rest_so_a_second_capture_is_not_allowed(
    stripe_pg: PaymentGraph, browser: StripeBrowser
) -> None:
    session = await new_session(stripe_pg, "20", payment_method="pm_card_visa")
    await browser.confirm(session.data["id"])
    payment = await stripe_pg.payment.authorize_payment_session(session.id)
    payment = await stripe_pg.payment.capture_payment({"payment_id": payment.id, "amount": "15"})
    assert payment.captured_amount == Decimal("15.00") and payment.captured_at is not None

    with pytest.raises(
        NotAllowed, match=r"released the remaining authorization of 5\.00.*new payment session"
    ):
        await stripe_pg.payment.capture_payment({"payment_id": payment.id, "amount": "5"})
    payment = await stripe_pg.payment.retrieve_payment(payment.id)
    assert [(c.amount, c.status) for c in payment.captures] == [(Decimal("15.00"), "succeeded")]
    intent = await browser.intent(session.data["id"])
    assert intent["status"] == "succeeded"
    [charge] = intent["charges"]["data"]  # localstripe shows the released rest as refunded on the charge
    assert charge["amount"] - charge["amount_refunded"] == 1500  # still 15.00 taken, nothing more
    collection = await stripe_pg.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert (collection.status, collection.captured_amount) == ("partially_captured", Decimal("15.00"))


async def test_full_capture_and_refund(stripe_pg: PaymentGraph, browser: StripeBrowser) -> None:
    session = await new_session(stripe_pg, "12.34", payment_method="pm_card_visa")
    await browser.confirm(session.data["id"])
    payment = await stripe_pg.payment.authorize_payment_session(session.id)
    payment = await stripe_pg.payment.capture_payment({"payment_id": payment.id})
    assert payment.captured_amount == Decimal("12.34")
    assert payment.captured_at is not None
    payment = await stripe_pg.payment.refund_payment({"payment_id": payment.id, "amount": "12.34"})
    assert payment.refunded_amount == Decimal("12.34")
    collection = await stripe_pg.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert collection.captured_amount == Decimal("12.34")


async def test_cancel_cancels_the_payment_intent(stripe_pg: PaymentGraph, browser: StripeBrowser) -> None:
    session = await new_session(stripe_pg, "20", payment_method="pm_card_visa")
    await browser.confirm(session.data["id"])
    payment = await stripe_pg.payment.authorize_payment_session(session.id)
    payment = await stripe_pg.payment.cancel_payment(payment.id)
    assert payment.canceled_at is not None
    assert (await browser.intent(session.data["id"]))["status"] == "canceled"


async def test_a_declined_card_leaves_the_session_in_error(
    stripe_pg: PaymentGraph, browser: StripeBrowser
) -> None:
    session = await new_session(stripe_pg, "20", payment_method="pm_card_chargeCustomerFail")
    declined = await browser.confirm(session.data["id"])
    assert declined["error"]["code"] == "card_declined"
    with pytest.raises(AuthorizationFailed):
        await stripe_pg.payment.authorize_payment_session(session.id)
    session = await stripe_pg.payment.retrieve_payment_session(session.id)
    assert session.status == "error"
    assert session.data["last_payment_error"]["code"] == "card_declined"
    assert await stripe_pg.payment.list_payments({"payment_session_id": session.id}) == []


async def test_a_card_declined_at_creation_is_a_provider_error_and_leaves_no_session(
    stripe_pg: PaymentGraph,
) -> None:
    collection = await stripe_pg.payment.create_payment_collections({"currency_code": "usd", "amount": "20"})
    with pytest.raises(ProviderError) as raised:
        await stripe_pg.payment.create_payment_session(
            collection.id,
            {
                "provider_id": STRIPE,
                "data": {"payment_method": "pm_card_chargeCustomerFail", "confirm": True},
            },
        )
    assert raised.value.details["stripe_code"] == "card_declined"
    assert "declined" in raised.value.message
    assert await stripe_pg.payment.list_payment_sessions({"payment_collection_id": collection.id}) == []


async def test_three_d_secure_requires_more_then_authorizes(
    stripe_pg: PaymentGraph, browser: StripeBrowser
) -> None:
    card = await browser.card("4000002500003155")
    session = await new_session(stripe_pg, "20", payment_method=card)
    challenged = await browser.confirm(session.data["id"])
    assert challenged["status"] == "requires_action"
    with pytest.raises(RequiresMore):
        await stripe_pg.payment.authorize_payment_session(session.id)
    assert (await stripe_pg.payment.retrieve_payment_session(session.id)).status == "requires_more"

    await browser.authenticate(session.data["id"], session.data["client_secret"])
    payment = await stripe_pg.payment.authorize_payment_session(session.id)
    assert payment.payment_session_id == session.id
    assert (await stripe_pg.payment.retrieve_payment_session(session.id)).status == "authorized"
