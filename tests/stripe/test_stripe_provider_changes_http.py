"""Refunds and disputes made at Stripe, recorded from its webhooks, end to end over HTTP.

Peers: localstripe for a refund made "in the dashboard" (a refund created at localstripe directly) and
the in-repo fake for the rest (localstripe sends no ``charge.*`` events and has no disputes). Events are
signed here and posted to the served app's ``/hooks/payment/stripe_stripe``, repeated and reordered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from fake_stripe import FakeStripeState
from provider_changes_support import StripeShop, served_app, stripe_app_settings

pytestmark = pytest.mark.stripe

CAPTURE = "mutation($p: ID!) { capturePayment(paymentId: $p) { capturedAmount } }"
REFUND = "mutation($p: ID!, $a: Decimal) { refundPayment(paymentId: $p, amount: $a) { refundedAmount } }"


@pytest.fixture
async def shop(database_url: str, fake_stripe: tuple[str, FakeStripeState]) -> AsyncIterator[StripeShop]:
    async with served_app(stripe_app_settings(database_url, fake_stripe[0])) as (_, client):
        shop = StripeShop(client, fake_stripe[0])
        yield shop
        await shop.close()


async def captured_order(shop: StripeShop) -> tuple[str, str, dict[str, Any]]:
    """A card checkout captured in full (30.00 EUR): (collection id, payment id, the intent)."""
    cart_id, collection_id, session = await shop.cart({"payment_method": "pm_card_visa"})
    await shop.confirm(session["data"]["id"])
    order = await shop.complete(cart_id)
    payment_id = order["paymentCollections"][0]["payments"][0]["id"]
    assert (await shop.ok(CAPTURE, {"p": payment_id}))["capturePayment"]["capturedAmount"] == "30.00"
    return collection_id, payment_id, await shop.intent(session["data"]["id"])


def charge_of(intent: dict[str, Any]) -> dict[str, Any]:
    """The Charge Stripe puts in a charge.* event (its refunds are listed by the provider)."""
    charge = intent["latest_charge"]
    return {
        "id": charge["id"] if isinstance(charge, dict) else charge,
        "object": "charge",
        "amount": intent["amount"],
        "currency": intent["currency"],
        "payment_intent": intent["id"],
        "metadata": {},
    }


def refund_rows(collection: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(amount, note) of the payment's refunds; the provider's are made by nobody here."""
    [payment] = collection["payments"]
    assert all(r["createdBy"] is None for r in payment["refunds"] if r["note"] == "provider")
    assert all(r["status"].lower() == "succeeded" for r in payment["refunds"])
    return sorted((r["amount"], r["note"]) for r in payment["refunds"])


async def test_dashboard_refunds_are_recorded_once_whatever_the_order_and_repetition(
    shop: StripeShop,
) -> None:
    collection_id, payment_id, intent = await captured_order(shop)
    # Our own refund: its charge.refunded must not record it a second time.
    await shop.ok(REFUND, {"p": payment_id, "a": "5"})
    first = await shop.stripe.post(
        "/_test/refund_outside", data={"payment_intent": intent["id"], "amount": "1000"}
    )
    first.raise_for_status()
    charge = charge_of(intent)
    # Two events for the two refunds, delivered newest first and each twice.
    await shop.deliver("charge.refunded", charge, event_id="evt_refund_dashboard", created=200)
    await shop.deliver("charge.refunded", charge, event_id="evt_refund_ours", created=100)
    await shop.deliver("charge.refunded", charge, event_id="evt_refund_dashboard", created=200)
    await shop.deliver("charge.refunded", charge, event_id="evt_refund_ours", created=100)

    collection = await shop.collection(collection_id)
    assert refund_rows(collection) == [("10.00", "provider"), ("5.00", None)]
    assert collection["refundedAmount"] == "15.00"
    assert collection["payments"][0]["refundedAmount"] == "15.00"

    # A second dashboard refund, reported by a third event: only it is added.
    await shop.stripe.post("/_test/refund_outside", data={"payment_intent": intent["id"], "amount": "250"})
    await shop.deliver("charge.refunded", charge, event_id="evt_refund_third", created=300)
    collection = await shop.collection(collection_id)
    assert refund_rows(collection) == [("10.00", "provider"), ("2.50", "provider"), ("5.00", None)]
    assert collection["refundedAmount"] == "17.50"
    # What is left to refund through the API takes the dashboard's refunds into account.
    code = await shop.error_code(REFUND, {"p": payment_id, "a": "13"})
    assert code == "INVALID_DATA"


def dispute(intent: dict[str, Any], status: str, transactions: list[int], **extra: Any) -> dict[str, Any]:
    """A Stripe Dispute on the intent's charge (balance transactions by amount: -3000 withdrawn)."""
    return {
        "id": "dp_fake_1",
        "object": "dispute",
        "amount": intent["amount"],
        "currency": intent["currency"],
        "charge": charge_of(intent)["id"],
        "payment_intent": intent["id"],
        "reason": "fraudulent",
        "status": status,
        "evidence_details": {"due_by": 1893456000},
        "balance_transactions": [{"id": f"txn_{i}", "amount": a} for i, a in enumerate(transactions)],
        **extra,
    }


async def test_disputes_move_the_collection_while_funds_are_withdrawn_in_any_event_order(
    shop: StripeShop,
) -> None:
    collection_id, _, intent = await captured_order(shop)
    opened = dispute(intent, "needs_response", [-3000])
    await shop.deliver("charge.dispute.created", opened, event_id="evt_dp_created", created=100)
    await shop.deliver("charge.dispute.funds_withdrawn", opened, event_id="evt_dp_withdrawn", created=100)
    collection = await shop.collection(collection_id)
    [row] = collection["payments"][0]["disputes"]
    assert row["id"].startswith("disp_")
    assert {
        k: row[k] for k in ("providerId", "externalId", "amount", "currencyCode", "reason", "status")
    } == {
        "providerId": "pp_stripe_stripe",
        "externalId": "dp_fake_1",
        "amount": "30.00",
        "currencyCode": "eur",
        "reason": "fraudulent",
        "status": "NEEDS_RESPONSE",
    }
    assert row["evidenceDueBy"].startswith("2030-01-01")
    assert collection["refundedAmount"] == "30.00"  # the bank took the money back
    # Each change of the dispute is an event in the outbox, in the same transaction as the change.
    events = await shop.ok(
        'query { events(filter: {name: {in: ["dispute.created", "dispute.updated"]}}) '
        "{ items { name data } } }"
    )
    assert sorted(e["name"] for e in events["events"]["items"]) == ["dispute.created", "dispute.updated"]
    assert {e["data"]["id"] for e in events["events"]["items"]} == {row["id"]}

    won = dispute(intent, "won", [-3000, 3000])
    await shop.deliver("charge.dispute.funds_reinstated", won, event_id="evt_dp_reinstated", created=300)
    # Late and repeated deliveries of older states change nothing.
    review = dispute(intent, "under_review", [-3000])
    await shop.deliver("charge.dispute.updated", review, event_id="evt_dp_review", created=200)
    await shop.deliver("charge.dispute.funds_withdrawn", opened, event_id="evt_dp_withdrawn", created=100)
    await shop.deliver("charge.dispute.closed", won, event_id="evt_dp_closed", created=300)

    collection = await shop.collection(collection_id)
    [row] = collection["payments"][0]["disputes"]
    assert row["status"] == "WON"
    assert Decimal(collection["refundedAmount"]) == 0
    assert collection["capturedAmount"] == "30.00"
    listed = await shop.ok(
        "query($id: ID!) { dispute(id: $id) { status payment { id } } }", {"id": row["id"]}
    )
    assert listed["dispute"]["status"] == "WON"
    assert listed["dispute"]["payment"]["id"] == collection["payments"][0]["id"]


async def test_a_lost_dispute_keeps_the_money_out(shop: StripeShop) -> None:
    collection_id, _, intent = await captured_order(shop)
    await shop.deliver(
        "charge.dispute.closed", dispute(intent, "lost", [-3000]), event_id="evt_lost_closed", created=500
    )
    # The created event arrives last: older, so the lost state stays.
    await shop.deliver(
        "charge.dispute.created",
        dispute(intent, "needs_response", [-3000]),
        event_id="evt_lost_opened",
        created=100,
    )
    collection = await shop.collection(collection_id)
    assert [d["status"] for d in collection["payments"][0]["disputes"]] == ["LOST"]
    assert collection["refundedAmount"] == "30.00"


async def test_events_about_charges_we_did_not_create_are_acknowledged_and_ignored(shop: StripeShop) -> None:
    foreign = {"id": "ch_foreign", "object": "charge", "currency": "eur", "amount": 100, "metadata": {}}
    await shop.deliver("charge.refunded", foreign, event_id="evt_foreign")
    events = await shop.ok("{ webhookEvents { items { eventId } } }")
    assert events["webhookEvents"]["items"] == []


@pytest.fixture
async def localstripe_shop(database_url: str, localstripe: str) -> AsyncIterator[StripeShop]:
    async with served_app(stripe_app_settings(database_url, localstripe)) as (_, client):
        shop = StripeShop(client, localstripe)
        yield shop
        await shop.close()


async def test_a_refund_made_at_localstripe_is_recorded_beside_ours(localstripe_shop: StripeShop) -> None:
    shop = localstripe_shop
    collection_id, payment_id, intent = await captured_order(shop)
    await shop.ok(REFUND, {"p": payment_id, "a": "4"})
    # The dashboard's refund: made at Stripe directly, without our refund id.
    made = await shop.stripe.post("/v1/refunds", data={"payment_intent": intent["id"], "amount": "700"})
    made.raise_for_status()
    charge = (await shop.stripe.get(f"/v1/charges/{charge_of(intent)['id']}")).json()
    for event_id in ("evt_ls_refund_1", "evt_ls_refund_2", "evt_ls_refund_1"):
        await shop.deliver("charge.refunded", charge, event_id=event_id)

    collection = await shop.collection(collection_id)
    assert refund_rows(collection) == [("4.00", None), ("7.00", "provider")]
    assert collection["refundedAmount"] == "11.00"
    listed = (await shop.stripe.get("/v1/refunds", params={"payment_intent": intent["id"]})).json()
    assert sum(r["amount"] for r in listed["data"]) == 1100  # the provider's ledger agrees
