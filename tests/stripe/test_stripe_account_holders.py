"""Account holders (Stripe customers) and saved payment methods, through the service, on localstripe.

Peer: localstripe (customers, SetupIntents, ``GET /v1/payment_methods?customer=&type=card``; it has
no ``/v1/customers/{id}/payment_methods``, which is why the provider lists through the former).
"""

from __future__ import annotations

import pytest
from stripe_peers import STRIPE, StripeBrowser

from paymentgraph import PaymentGraph

pytestmark = pytest.mark.stripe

CUSTOMER = {"id": "cus_01LOCAL", "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}


async def test_an_account_holder_is_a_stripe_customer(
    stripe_pg: PaymentGraph, browser: StripeBrowser
) -> None:
    holder = await stripe_pg.payment.create_account_holder(
        {"provider_id": STRIPE, "context": {"customer": CUSTOMER}}
    )
    assert holder is not None
    assert holder.external_id.startswith("cus_")
    assert holder.email == "ada@example.com"
    stripe_customer = (await browser.client.get(f"/v1/customers/{holder.external_id}")).json()
    assert stripe_customer["email"] == "ada@example.com"
    assert stripe_customer["name"] == "Ada Lovelace"
    assert stripe_customer["metadata"]["customer_id"] == CUSTOMER["id"]


async def test_saved_cards_are_listed_and_a_setup_intent_saves_one(
    stripe_pg: PaymentGraph, browser: StripeBrowser
) -> None:
    holder = await stripe_pg.payment.create_account_holder(
        {"provider_id": STRIPE, "context": {"customer": CUSTOMER}}
    )
    assert holder is not None
    context = {"account_holder": {"id": holder.id}}
    assert await stripe_pg.payment.list_payment_methods(STRIPE, context) == []

    saved = await stripe_pg.payment.save_payment_method(
        {"provider_id": STRIPE, "context": context, "data": {"usage": "off_session"}}
    )
    assert saved.id.startswith("seti_")
    assert saved.data["customer"] == holder.external_id
    assert saved.data["client_secret"]

    # The customer completes the SetupIntent in the browser; the card is then attached to them.
    confirmed = await browser.client.post(
        f"/v1/setup_intents/{saved.id}/confirm", data={"payment_method": "pm_card_visa"}
    )
    assert confirmed.json()["status"] == "succeeded"
    card = confirmed.json()["payment_method"]
    await browser.client.post(f"/v1/payment_methods/{card}/attach", data={"customer": holder.external_id})

    methods = await stripe_pg.payment.list_payment_methods(STRIPE, context)
    assert [m.id for m in methods] == [card]
    assert methods[0].data["card"]["last4"] == "4242"
    assert methods[0].provider_id == STRIPE


async def test_a_session_for_an_account_holder_charges_that_customer(
    stripe_pg: PaymentGraph, browser: StripeBrowser
) -> None:
    holder = await stripe_pg.payment.create_account_holder(
        {"provider_id": STRIPE, "context": {"customer": CUSTOMER}}
    )
    assert holder is not None
    collection = await stripe_pg.payment.create_payment_collections(
        {"currency_code": "eur", "amount": "9.99"}
    )
    session = await stripe_pg.payment.create_payment_session(
        collection.id,
        {
            "provider_id": STRIPE,
            "context": {
                "account_holder": {"id": holder.id, "external_id": holder.external_id, "data": holder.data}
            },
        },
    )
    intent = await browser.intent(session.data["id"])
    assert intent["customer"] == holder.external_id
    assert intent["amount"] == 999
    assert intent["currency"] == "eur"
