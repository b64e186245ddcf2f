"""Unknown is not failed: a capture or refund whose answer was lost stays pending and is settled with the
same provider key, by a retry with the same request key, before the next operation, or by recovery."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from scripted_provider import SCRIPTED_ID, ScriptedProvider

from paymentgraph import PaymentGraph
from paymentgraph.errors import (
    ErrorCode,
    IdempotencyKeyReused,
    InvalidData,
    ProviderError,
    ProviderUnavailable,
)

NOW = timedelta(0)


async def test_a_lost_capture_answer_keeps_the_capture_pending_and_says_retryable(
    pgs: PaymentGraph, scripted: ScriptedProvider, make_payment
) -> None:
    payment = await make_payment(pgs, amount="100", provider_id=SCRIPTED_ID)
    scripted.lose_answer.add("capture")
    with pytest.raises(ProviderUnavailable) as raised:
        await pgs.payment.capture_payment({"payment_id": payment.id, "amount": "60"})
    [pending] = await pgs.payment.list_captures({"payment_id": payment.id})
    assert raised.value.code == ErrorCode.PROVIDER_UNAVAILABLE
    assert raised.value.details["retryable"] is True
    assert raised.value.details["captureId"] == pending.id
    assert (pending.status, pending.amount) == ("pending", Decimal("60.00"))
    assert (await pgs.payment.retrieve_payment(payment.id)).captured_amount == 0

    # Still unknown: the next capture cannot settle it, so it counts against what may be captured.
    with pytest.raises(InvalidData, match=r"40\.00 of 100\.00"):
        await pgs.payment.capture_payment({"payment_id": payment.id, "amount": "50"})
    assert scripted.moved("capture") == [Decimal("60.00")]


async def test_a_retry_with_the_same_request_key_resumes_the_capture_with_the_same_provider_key(
    pgs: PaymentGraph, scripted: ScriptedProvider, make_payment
) -> None:
    payment = await make_payment(pgs, amount="100", provider_id=SCRIPTED_ID)
    request = {"payment_id": payment.id, "amount": "60", "idempotency_key": "req-1"}
    scripted.lose_answer.add("capture")
    with pytest.raises(ProviderUnavailable):
        await pgs.payment.capture_payment(request)
    with pytest.raises(ProviderUnavailable):  # still lost: still pending, still retryable
        await pgs.payment.capture_payment(request)
    with pytest.raises(IdempotencyKeyReused):
        await pgs.payment.capture_payment({**request, "amount": "61"})

    scripted.lose_answer.clear()
    payment = await pgs.payment.capture_payment(request)
    assert payment.captured_amount == Decimal("60.00")
    [capture] = payment.captures
    assert capture.status == "succeeded"
    assert scripted.keys("capture") == [capture.id] * 3  # never a new key for the same intent
    assert scripted.moved("capture") == [Decimal("60.00")]
    again = await pgs.payment.capture_payment(request)  # done: the same answer, nothing asked
    assert again == payment and len(scripted.keys("capture")) == 3


async def test_a_new_capture_settles_the_pending_one_first(
    pgs: PaymentGraph, scripted: ScriptedProvider, make_payment
) -> None:
    payment = await make_payment(pgs, amount="100", provider_id=SCRIPTED_ID)
    scripted.lose_answer.add("capture")
    with pytest.raises(ProviderUnavailable):
        await pgs.payment.capture_payment({"payment_id": payment.id, "amount": "60"})
    scripted.lose_answer.clear()
    payment = await pgs.payment.capture_payment({"payment_id": payment.id, "amount": "40"})
    assert payment.captured_amount == Decimal("100.00")
    assert [(c.amount, c.status) for c in payment.captures] == [
        (Decimal("60.00"), "succeeded"),
        (Decimal("40.00"), "succeeded"),
    ]
    assert scripted.moved("capture") == [Decimal("60.00"), Decimal("40.00")]
    collection = await pgs.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert (collection.status, collection.captured_amount) == ("completed", Decimal("100.00"))


async def test_an_operation_the_provider_never_reached_is_removed_when_settling_finds_a_refusal(
    pgs: PaymentGraph, scripted: ScriptedProvider, make_payment
) -> None:
    payment = await make_payment(pgs, amount="100", provider_id=SCRIPTED_ID)
    scripted.down.add("capture")
    with pytest.raises(ProviderUnavailable):
        await pgs.payment.capture_payment({"payment_id": payment.id, "amount": "60", "idempotency_key": "k"})
    scripted.down.clear()
    scripted.refuse.add("capture")
    with pytest.raises(ProviderError) as raised:  # the retry settles it: refused, so it is gone
        await pgs.payment.capture_payment({"payment_id": payment.id, "amount": "60", "idempotency_key": "k"})
    assert raised.value.code == ErrorCode.PROVIDER_ERROR
    assert await pgs.payment.list_captures({"payment_id": payment.id}) == []
    assert scripted.moved("capture") == []


async def test_a_lost_refund_answer_is_never_refunded_twice(
    pgs: PaymentGraph, scripted: ScriptedProvider, make_payment
) -> None:
    payment = await make_payment(pgs, amount="50", provider_id=SCRIPTED_ID)
    await pgs.payment.capture_payment({"payment_id": payment.id})
    scripted.lose_answer.add("refund")
    with pytest.raises(ProviderUnavailable) as raised:
        await pgs.payment.refund_payment({"payment_id": payment.id, "amount": "30", "idempotency_key": "r"})
    [pending] = await pgs.payment.list_refunds({"payment_id": payment.id})
    assert raised.value.details["refundId"] == pending.id and pending.status == "pending"
    # Unknown: the 30 still counts, so at most 20 more may be refunded (over-refund impossible).
    with pytest.raises(InvalidData, match=r"20\.00 USD refundable"):
        await pgs.payment.refund_payment({"payment_id": payment.id, "amount": "25"})

    scripted.lose_answer.clear()
    payment = await pgs.payment.refund_payment(
        {"payment_id": payment.id, "amount": "30", "idempotency_key": "r"}
    )
    assert payment.refunded_amount == Decimal("30.00")
    payment = await pgs.payment.refund_payment({"payment_id": payment.id, "amount": "20"})
    assert [(r.amount, r.status) for r in payment.refunds] == [
        (Decimal("30.00"), "succeeded"),
        (Decimal("20.00"), "succeeded"),
    ]
    assert scripted.moved("refund") == [Decimal("30.00"), Decimal("20.00")]
    with pytest.raises(InvalidData):
        await pgs.payment.refund_payment({"payment_id": payment.id, "amount": "0.01"})


async def test_a_new_refund_settles_a_pending_refund_first(
    pgs: PaymentGraph, scripted: ScriptedProvider, make_payment
) -> None:
    payment = await make_payment(pgs, amount="50", provider_id=SCRIPTED_ID)
    await pgs.payment.capture_payment({"payment_id": payment.id})
    scripted.lose_answer.add("refund")
    with pytest.raises(ProviderUnavailable):
        await pgs.payment.refund_payment({"payment_id": payment.id, "amount": "30"})
    scripted.lose_answer.clear()
    payment = await pgs.payment.refund_payment({"payment_id": payment.id, "amount": "10"})
    assert payment.refunded_amount == Decimal("40.00")
    assert scripted.moved("refund") == [Decimal("30.00"), Decimal("10.00")]
    collection = await pgs.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert collection.refunded_amount == Decimal("40.00")


async def test_recovery_settles_lost_answers_and_keeps_what_is_still_unknown(
    pgs: PaymentGraph, scripted: ScriptedProvider, make_payment
) -> None:
    payment = await make_payment(pgs, amount="50", provider_id=SCRIPTED_ID)
    scripted.lose_answer.update({"capture", "refund"})
    with pytest.raises(ProviderUnavailable):
        await pgs.payment.capture_payment({"payment_id": payment.id})
    [outcome] = await pgs.payment.recover_pending_operations(older_than=NOW)
    assert outcome.outcome == "failed"
    assert outcome.error is not None and outcome.error.startswith("PROVIDER_UNAVAILABLE")
    [capture] = await pgs.payment.list_captures({"payment_id": payment.id})
    assert capture.status == "pending"

    scripted.lose_answer.clear()
    [outcome] = await pgs.payment.recover_pending_operations(older_than=NOW)
    assert (outcome.kind, outcome.id, outcome.outcome) == ("capture", capture.id, "recorded")
    assert (await pgs.payment.retrieve_payment(payment.id)).captured_amount == Decimal("50.00")
    assert scripted.moved("capture") == [Decimal("50.00")]
    with pytest.raises(InvalidData):
        await pgs.payment.recover_pending_operations(older_than=timedelta(seconds=-1))
