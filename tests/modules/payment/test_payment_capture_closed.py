"""Partial captures: several are fine while the provider keeps the rest authorized; once the provider
releases the rest (Stripe without multicapture), the payment is closed for capture."""

from __future__ import annotations

from decimal import Decimal

import pytest
from scripted_provider import SCRIPTED_ID, ScriptedProvider

from paymentgraph import PaymentGraph
from paymentgraph.errors import NotAllowed


async def test_the_system_provider_allows_several_partial_captures(pg: PaymentGraph, make_payment) -> None:
    payment = await make_payment(pg, amount="100")
    for amount in ("30", "30"):
        payment = await pg.payment.capture_payment({"payment_id": payment.id, "amount": amount})
    assert (payment.captured_amount, payment.captured_at) == (Decimal("60.00"), None)
    collection = await pg.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert (collection.status, collection.captured_amount) == ("partially_captured", Decimal("60.00"))

    payment = await pg.payment.capture_payment({"payment_id": payment.id})  # the rest
    assert [c.amount for c in payment.captures] == [Decimal("30.00"), Decimal("30.00"), Decimal("40.00")]
    assert payment.captured_at is not None
    collection = await pg.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert (collection.status, collection.completed_at is not None) == ("completed", True)


async def test_a_capture_that_releases_the_rest_closes_the_payment(
    pgs: PaymentGraph, scripted: ScriptedProvider, make_payment
) -> None:
    scripted.close_captures = True
    payment = await make_payment(pgs, amount="100", provider_id=SCRIPTED_ID)
    payment = await pgs.payment.capture_payment({"payment_id": payment.id, "amount": "30"})
    assert payment.captured_amount == Decimal("30.00") and payment.captured_at is not None

    with pytest.raises(NotAllowed, match=r"released the remaining authorization of 70\.00") as raised:
        await pgs.payment.capture_payment({"payment_id": payment.id, "amount": "10"})
    assert "new payment session" in raised.value.message
    assert raised.value.details["payment_id"] == payment.id
    with pytest.raises(NotAllowed):
        await pgs.payment.capture_payment({"payment_id": payment.id})  # "the rest" is gone too

    assert len(scripted.keys("capture")) == 1  # the provider was not asked again
    payment = await pgs.payment.retrieve_payment(payment.id)
    assert [(c.amount, c.status) for c in payment.captures] == [(Decimal("30.00"), "succeeded")]
    collection = await pgs.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert (collection.status, collection.captured_amount) == ("partially_captured", Decimal("30.00"))
    # What was captured can still be refunded.
    payment = await pgs.payment.refund_payment({"payment_id": payment.id, "amount": "30"})
    assert payment.refunded_amount == Decimal("30.00")


async def test_a_full_capture_that_closes_is_an_ordinary_full_capture(
    pgs: PaymentGraph, scripted: ScriptedProvider, make_payment
) -> None:
    scripted.close_captures = True
    payment = await make_payment(pgs, amount="25", provider_id=SCRIPTED_ID)
    payment = await pgs.payment.capture_payment({"payment_id": payment.id})
    assert payment.captured_amount == Decimal("25.00") and payment.captured_at is not None
    again = await pgs.payment.capture_payment({"payment_id": payment.id})  # idempotent, no error
    assert len(again.captures) == 1 and len(scripted.keys("capture")) == 1
