"""Parallel captures and refunds on one payment never move more money than allowed."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from paymentgraph import PaymentGraph
from paymentgraph.errors import InvalidData

PARALLEL = 16


async def _gather(calls: list) -> tuple[int, int]:
    results = await asyncio.gather(*calls, return_exceptions=True)
    unexpected = [r for r in results if isinstance(r, BaseException) and not isinstance(r, InvalidData)]
    assert not unexpected, unexpected
    refused = sum(isinstance(r, InvalidData) for r in results)
    return len(results) - refused, refused


async def test_parallel_captures_never_exceed_authorized(pg: PaymentGraph, make_payment) -> None:
    payment = await make_payment(pg, amount="100")
    # 16 requests of 15 each against 100 authorized: at most 6 can succeed (90), never 7 (105).
    ok, refused = await _gather(
        [pg.payment.capture_payment({"payment_id": payment.id, "amount": "15"}) for _ in range(PARALLEL)]
    )
    assert (ok, refused) == (6, 10)
    after = await pg.payment.retrieve_payment(payment.id)
    assert sum(c.amount for c in after.captures) == after.captured_amount == Decimal("90.00")
    assert all(c.status == "succeeded" for c in after.captures)
    # And 16 "capture the rest" calls capture the remaining 10 exactly once.
    ok, refused = await _gather(
        [pg.payment.capture_payment({"payment_id": payment.id}) for _ in range(PARALLEL)]
    )
    after = await pg.payment.retrieve_payment(payment.id)
    assert after.captured_amount == Decimal("100.00") and len(after.captures) == 7
    col = await pg.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert (col.captured_amount, col.status) == (Decimal("100.00"), "completed")


async def test_parallel_refunds_never_exceed_captured(pg: PaymentGraph, make_payment) -> None:
    payment = await make_payment(pg, amount="100")
    await pg.payment.capture_payment({"payment_id": payment.id, "amount": "50"})
    ok, refused = await _gather(
        [pg.payment.refund_payment({"payment_id": payment.id, "amount": "7"}) for _ in range(PARALLEL)]
    )
    assert (ok, refused) == (7, 9)  # 7 x 7 = 49 <= 50 captured
    after = await pg.payment.retrieve_payment(payment.id)
    assert sum(r.amount for r in after.refunds) == after.refunded_amount == Decimal("49.00")
    ok, _ = await _gather([pg.payment.refund_payment({"payment_id": payment.id}) for _ in range(PARALLEL)])
    assert ok == 1
    after = await pg.payment.retrieve_payment(payment.id)
    assert after.refunded_amount == Decimal("50.00")
    col = await pg.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert (col.captured_amount, col.refunded_amount) == (Decimal("50.00"), Decimal("50.00"))
