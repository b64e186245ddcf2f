"""Captures and refunds: partial, several, full when no amount, limits, recompute after each."""

from __future__ import annotations

from decimal import Decimal

import pytest
from payment_fakes import FAILING_ID

from paymentgraph import PaymentGraph
from paymentgraph.errors import InvalidData, NotFound


async def test_partial_then_rest(pg: PaymentGraph, make_payment) -> None:
    payment = await make_payment(pg, amount="100")
    payment = await pg.payment.capture_payment(
        {"payment_id": payment.id, "amount": "30", "captured_by": "u_1"}
    )
    assert [c.amount for c in payment.captures] == [Decimal("30.00")]
    assert payment.captures[0].created_by == "u_1"  # Medusa drops captured_by (quirk 14)
    assert payment.captures[0].status == "succeeded" and payment.captures[0].id.startswith("capt_")
    assert payment.captured_amount == Decimal("30.00") and payment.captured_at is None
    col = await pg.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert (col.status, col.captured_amount) == ("partially_captured", Decimal("30.00"))

    payment = await pg.payment.capture_payment({"payment_id": payment.id})  # the rest: 70
    assert [c.amount for c in payment.captures] == [Decimal("30.00"), Decimal("70.00")]
    assert payment.captured_at is not None
    col = await pg.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert (col.status, col.captured_amount, col.completed_at is not None) == (
        "completed",
        Decimal("100.00"),
        True,
    )


async def test_capture_limits(pg: PaymentGraph, make_payment) -> None:
    payment = await make_payment(pg, amount="100")
    await pg.payment.capture_payment({"payment_id": payment.id, "amount": "60"})
    with pytest.raises(InvalidData, match="cannot capture more than the authorized amount"):
        await pg.payment.capture_payment({"payment_id": payment.id, "amount": "40.01"})
    await pg.payment.capture_payment({"payment_id": payment.id, "amount": "40"})
    # Fully captured: asking again without an amount changes nothing (webhook-safe); with one, refused.
    again = await pg.payment.capture_payment({"payment_id": payment.id})
    assert len(again.captures) == 2
    with pytest.raises(InvalidData, match="cannot capture more"):
        await pg.payment.capture_payment({"payment_id": payment.id, "amount": "1"})
    assert len(await pg.payment.list_captures({"payment_id": payment.id})) == 2


async def test_capture_errors(pg: PaymentGraph, make_payment) -> None:
    with pytest.raises(NotFound, match="Payment with id: pay_x was not found"):
        await pg.payment.capture_payment({"payment_id": "pay_x"})
    with pytest.raises(InvalidData, match="payment_id is required"):
        await pg.payment.capture_payment({})
    payment = await make_payment(pg)
    await pg.payment.cancel_payment(payment.id)
    with pytest.raises(InvalidData, match=f"The payment: {payment.id} has been canceled."):
        await pg.payment.capture_payment({"payment_id": payment.id})


async def test_jpy_and_kwd_captures_are_exact(pg: PaymentGraph, make_payment) -> None:
    jpy = await make_payment(pg, amount="1000", currency="jpy")
    jpy = await pg.payment.capture_payment({"payment_id": jpy.id, "amount": "333"})
    with pytest.raises(InvalidData, match="finer than"):
        await pg.payment.capture_payment({"payment_id": jpy.id, "amount": "0.5"})
    jpy = await pg.payment.capture_payment({"payment_id": jpy.id})
    assert [c.amount for c in jpy.captures] == [Decimal(333), Decimal(667)]
    kwd = await make_payment(pg, amount="1.000", currency="kwd")
    kwd = await pg.payment.capture_payment({"payment_id": kwd.id, "amount": "0.333"})
    kwd = await pg.payment.capture_payment({"payment_id": kwd.id})
    assert kwd.captured_amount == Decimal("1.000") and kwd.captured_at is not None


async def test_refunds_partial_several_and_rest(pg: PaymentGraph, make_payment) -> None:
    reason = (await pg.payment.list_refund_reasons({"code": "pricing_error"}))[0]
    payment = await make_payment(pg, amount="100")
    with pytest.raises(InvalidData, match="cannot refund more than what is captured"):
        await pg.payment.refund_payment({"payment_id": payment.id})
    await pg.payment.capture_payment({"payment_id": payment.id, "amount": "80"})
    payment = await pg.payment.refund_payment(
        {
            "payment_id": payment.id,
            "amount": "30",
            "refund_reason_id": reason.id,
            "note": "dent",
            "created_by": "u",
        }
    )
    refund = payment.refunds[0]
    assert (refund.amount, refund.refund_reason_id, refund.note, refund.created_by, refund.status) == (
        Decimal("30.00"),
        reason.id,
        "dent",
        "u",
        "succeeded",
    )
    assert refund.id.startswith("ref_") and payment.refunded_amount == Decimal("30.00")
    with pytest.raises(InvalidData, match="cannot refund more"):
        await pg.payment.refund_payment({"payment_id": payment.id, "amount": "50.01"})
    payment = await pg.payment.refund_payment({"payment_id": payment.id})  # the rest: 50
    assert [r.amount for r in payment.refunds] == [Decimal("30.00"), Decimal("50.00")]
    col = await pg.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert (col.captured_amount, col.refunded_amount, col.status) == (
        Decimal("80.00"),
        Decimal("80.00"),
        "partially_captured",  # refunds never change status
    )
    assert len(await pg.payment.list_refunds({"payment_id": payment.id})) == 2


async def test_refund_errors(pg: PaymentGraph, make_payment) -> None:
    with pytest.raises(NotFound, match="Payment with id: pay_x was not found"):
        await pg.payment.refund_payment({"payment_id": "pay_x", "amount": "1"})
    payment = await make_payment(pg)
    await pg.payment.capture_payment({"payment_id": payment.id})
    with pytest.raises(NotFound, match="RefundReason with id: refr_x was not found"):
        await pg.payment.refund_payment({"payment_id": payment.id, "refund_reason_id": "refr_x"})
    with pytest.raises(InvalidData, match="note must be a string"):
        await pg.payment.refund_payment({"payment_id": payment.id, "note": 5})
    assert await pg.payment.list_refunds() == []


async def test_capture_passes_amount_and_capture_id_to_provider(pgf: PaymentGraph, make_payment) -> None:
    payment = await make_payment(pgf, provider_id=FAILING_ID)
    payment = await pgf.payment.capture_payment({"payment_id": payment.id, "amount": "10"})
    payment = await pgf.payment.refund_payment({"payment_id": payment.id, "amount": "5"})
    calls = pgf.providers.get(FAILING_ID).calls  # type: ignore[attr-defined]
    assert ("capture", payment.captures[0].id) in calls
    assert ("refund", payment.refunds[0].id) in calls


async def test_cancel_payment(pg: PaymentGraph, make_payment) -> None:
    payment = await make_payment(pg)
    canceled = await pg.payment.cancel_payment(payment.id)
    assert canceled.canceled_at is not None
    assert canceled.data is not None and canceled.data.get("status") == "canceled"  # provider data kept
    assert (await pg.payment.cancel_payment(payment.id)).canceled_at == canceled.canceled_at
    with pytest.raises(NotFound, match="Payment with id: pay_x was not found"):
        await pg.payment.cancel_payment("pay_x")


async def test_cancel_refused_after_capture(pg: PaymentGraph, make_payment) -> None:
    from paymentgraph.errors import NotAllowed

    payment = await make_payment(pg)
    await pg.payment.capture_payment({"payment_id": payment.id, "amount": "1"})
    with pytest.raises(NotAllowed, match="that has been captured"):
        await pg.payment.cancel_payment(payment.id)
    assert (await pg.payment.retrieve_payment(payment.id)).canceled_at is None


async def test_update_retrieve_list_payment(pg: PaymentGraph, make_payment) -> None:
    payment = await make_payment(pg)
    same = await pg.payment.update_payment({"id": payment.id})
    assert same.id == payment.id
    updated = await pg.payment.update_payment({"id": payment.id, "metadata": {"a": 1}, "data": {"b": 2}})
    assert (updated.metadata, updated.data) == ({"a": 1}, {"b": 2})
    assert (await pg.payment.retrieve_payment(payment.id)).metadata == {"a": 1}
    assert [
        p.id for p in await pg.payment.list_payments({"payment_session_id": payment.payment_session_id})
    ] == [payment.id]
    with pytest.raises(NotFound, match="Payment with id: pay_x was not found"):
        await pg.payment.update_payment({"id": "pay_x"})
    with pytest.raises(NotFound, match="Payment with id: pay_x was not found"):
        await pg.payment.retrieve_payment("pay_x")
    with pytest.raises(InvalidData, match="Cannot update amount"):
        await pg.payment.update_payment({"id": payment.id, "amount": "1"})
