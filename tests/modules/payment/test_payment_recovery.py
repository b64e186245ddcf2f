"""Captures and refunds left pending by a crash between their commit and the provider's answer are
settled by ``recover_pending_operations`` with the same idempotency key."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from scripted_provider import SCRIPTED_ID, Crash, ScriptedProvider

from paymentgraph import PaymentGraph
from paymentgraph.errors import ProviderError

NOW = timedelta(0)  # "older than nothing": every pending row is stale


async def test_a_capture_cut_off_by_a_crash_is_recorded_with_the_same_key(
    pgs: PaymentGraph, scripted: ScriptedProvider, make_payment
) -> None:
    payment = await make_payment(pgs, amount="100", provider_id=SCRIPTED_ID)
    scripted.crash_once.add("capture")
    with pytest.raises(Crash):
        await pgs.payment.capture_payment({"payment_id": payment.id, "amount": "60"})
    [pending] = await pgs.payment.list_captures({"payment_id": payment.id})
    assert (pending.status, pending.amount) == ("pending", Decimal("60.00"))
    assert (await pgs.payment.retrieve_payment(payment.id)).captured_amount == 0

    # A fresh pending row may be a call still in flight: the default leaves it alone.
    assert await pgs.payment.recover_pending_operations() == []
    [outcome] = await pgs.payment.recover_pending_operations(older_than=NOW)
    assert (outcome.kind, outcome.id, outcome.outcome, outcome.amount) == (
        "capture",
        pending.id,
        "recorded",
        Decimal("60.00"),
    )
    assert scripted.keys("capture") == [pending.id, pending.id]  # same idempotency key both times
    payment = await pgs.payment.retrieve_payment(payment.id)
    assert payment.captured_amount == Decimal("60.00")
    assert [c.status for c in payment.captures] == ["succeeded"]
    collection = await pgs.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert (collection.status, collection.captured_amount) == ("partially_captured", Decimal("60.00"))
    assert await pgs.payment.recover_pending_operations(older_than=NOW) == []  # settled once


async def test_a_refund_cut_off_by_a_crash_is_recorded(
    pgs: PaymentGraph, scripted: ScriptedProvider, make_payment
) -> None:
    payment = await make_payment(pgs, amount="50", provider_id=SCRIPTED_ID)
    await pgs.payment.capture_payment({"payment_id": payment.id})
    scripted.crash_once.add("refund")
    with pytest.raises(Crash):
        await pgs.payment.refund_payment({"payment_id": payment.id, "amount": "20"})
    [pending] = await pgs.payment.list_refunds({"payment_id": payment.id})
    assert pending.status == "pending"

    [outcome] = await pgs.payment.recover_pending_operations(older_than=NOW)
    assert (outcome.kind, outcome.outcome) == ("refund", "recorded")
    assert scripted.keys("refund") == [pending.id, pending.id]
    payment = await pgs.payment.retrieve_payment(payment.id)
    assert payment.refunded_amount == Decimal("20.00")
    collection = await pgs.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert collection.refunded_amount == Decimal("20.00")


async def test_an_operation_the_provider_refuses_on_recovery_is_removed(
    pgs: PaymentGraph, scripted: ScriptedProvider, make_payment
) -> None:
    payment = await make_payment(pgs, amount="100", provider_id=SCRIPTED_ID)
    scripted.crash_once.add("capture")
    with pytest.raises(Crash):
        await pgs.payment.capture_payment({"payment_id": payment.id, "amount": "60"})
    scripted.refuse.add("capture")
    [outcome] = await pgs.payment.recover_pending_operations(older_than=NOW)
    assert outcome.outcome == "removed"
    assert outcome.error is not None and "refused by the test provider" in outcome.error
    assert await pgs.payment.list_captures({"payment_id": payment.id}) == []

    scripted.refuse.clear()  # the whole amount is capturable again
    payment = await pgs.payment.capture_payment({"payment_id": payment.id})
    assert payment.captured_amount == Decimal("100.00")


async def test_a_failure_reported_by_the_provider_still_removes_the_pending_row_at_once(
    pgs: PaymentGraph, scripted: ScriptedProvider, make_payment
) -> None:
    # Only a crash leaves a row pending; an ordinary provider error compensates immediately.
    payment = await make_payment(pgs, amount="10", provider_id=SCRIPTED_ID)
    scripted.refuse.add("capture")
    with pytest.raises(ProviderError, match="refused by the test provider"):
        await pgs.payment.capture_payment({"payment_id": payment.id})
    assert await pgs.payment.list_captures({"payment_id": payment.id}) == []
    assert await pgs.payment.recover_pending_operations(older_than=NOW) == []
