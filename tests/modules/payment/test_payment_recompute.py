"""Collection status and amounts follow every change that can move them, and are never null."""

from __future__ import annotations

from decimal import Decimal

import pytest
from payment_fakes import FAILING_ID

from paymentgraph import PaymentGraph
from paymentgraph.errors import NotAllowed


async def _state(pg: PaymentGraph, collection_id: str) -> tuple[str, Decimal, Decimal, Decimal]:
    col = await pg.payment.retrieve_payment_collection(collection_id)
    return col.status, col.authorized_amount, col.captured_amount, col.refunded_amount


async def test_status_walk(pg: PaymentGraph) -> None:
    col = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "100"})
    assert await _state(pg, col.id) == ("not_paid", 0, 0, 0)
    first = await pg.payment.create_payment_session(
        col.id, {"provider_id": "pp_system_default", "amount": "40"}
    )
    assert (await _state(pg, col.id))[0] == "awaiting"
    await pg.payment.delete_payment_session(first.id)
    assert (await _state(pg, col.id))[0] == "not_paid"
    a = await pg.payment.create_payment_session(col.id, {"provider_id": "pp_system_default", "amount": "40"})
    b = await pg.payment.create_payment_session(col.id, {"provider_id": "pp_system_default", "amount": "10"})
    await pg.payment.update_payment_session({"id": b.id, "amount": "60"})
    pay_a = await pg.payment.authorize_payment_session(a.id)
    assert await _state(pg, col.id) == ("partially_authorized", 40, 0, 0)
    pay_b = await pg.payment.authorize_payment_session(b.id)
    assert await _state(pg, col.id) == ("authorized", 100, 0, 0)
    await pg.payment.cancel_payment(pay_b.id)
    assert await _state(pg, col.id) == ("partially_authorized", 40, 0, 0)
    await pg.payment.capture_payment({"payment_id": pay_a.id, "amount": "15"})
    assert await _state(pg, col.id) == ("partially_captured", 40, 15, 0)
    await pg.payment.refund_payment({"payment_id": pay_a.id, "amount": "5"})
    assert await _state(pg, col.id) == ("partially_captured", 40, 15, 5)  # refunds never change status
    with pytest.raises(NotAllowed):  # money moved: the amount it was for is fixed
        await pg.payment.update_payment_collections(col.id, {"amount": "15"})
    await pg.payment.capture_payment({"payment_id": pay_a.id})
    c = await pg.payment.create_payment_session(col.id, {"provider_id": "pp_system_default", "amount": "60"})
    await pg.payment.capture_payment({"payment_id": (await pg.payment.authorize_payment_session(c.id)).id})
    status, *_ = await _state(pg, col.id)
    assert status == "completed"  # captured 40 + 60 >= amount 100
    assert (await pg.payment.retrieve_payment_collection(col.id)).completed_at is not None


async def test_canceled_when_nothing_live_is_left_and_reopened_by_a_new_session(
    pg: PaymentGraph, make_payment
) -> None:
    payment = await make_payment(pg, amount="30")
    await pg.payment.cancel_payment(payment.id)
    col = await pg.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert (col.status, col.canceled_at) == ("canceled", None)
    assert [s.status for s in col.payment_sessions] == ["canceled"]
    # Not canceled on purpose: the shopper may pay again, which reopens it.
    again = await pg.payment.create_payment_session(col.id, {"provider_id": "pp_system_default"})
    assert (await _state(pg, col.id))[0] == "awaiting"
    await pg.payment.authorize_payment_session(again.id)
    assert (await _state(pg, col.id))[0] == "authorized"
    # Canceled on purpose: closed for good.
    closed = await pg.payment.cancel_payment_collection(col.id)
    assert closed.status == "canceled" and closed.canceled_at is not None
    with pytest.raises(NotAllowed):
        await pg.payment.create_payment_session(col.id, {"provider_id": "pp_system_default"})


async def test_canceling_a_collection_cancels_its_open_sessions_with_a_recompute(pg: PaymentGraph) -> None:
    # A session without a payment is canceled on its own; on PostgreSQL the test database also checks
    # that the transaction doing it wrote the collection's row (tests/collection_versions.py).
    col = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "100"})
    open_session = await pg.payment.create_payment_session(col.id, {"provider_id": "pp_system_default"})
    closed = await pg.payment.cancel_payment_collection(col.id)
    assert closed.status == "canceled" and closed.canceled_at is not None
    assert (await pg.payment.retrieve_payment_session(open_session.id)).status == "canceled"


async def test_sessions_in_another_currency_do_not_count(pg: PaymentGraph, make_payment) -> None:
    col = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "100"})
    usd = await pg.payment.create_payment_session(col.id, {"provider_id": "pp_system_default"})
    await pg.payment.update_payment_collections(col.id, {"currency_code": "eur"})  # nothing authorized yet
    await pg.payment.authorize_payment_session(usd.id)
    col = await pg.payment.retrieve_payment_collection(col.id)
    # Medusa sums sessions across currencies (quirk 2); a USD authorization does not pay an EUR bill.
    assert (col.status, col.authorized_amount) == ("awaiting", Decimal(0))


async def test_webhook_style_capture_records_without_provider(pgf: PaymentGraph, make_payment) -> None:
    payment = await make_payment(pgf, amount="10", provider_id=FAILING_ID, data={"fail": ["capture"]})
    payment = await pgf.payment.capture_payment({"payment_id": payment.id, "is_captured": True})
    assert payment.captured_amount == Decimal("10.00") and payment.captured_at is not None
    again = await pgf.payment.capture_payment({"payment_id": payment.id, "is_captured": True})
    assert len(again.captures) == 1
    assert (await _state(pgf, payment.payment_collection_id))[:3] == ("completed", 10, 10)
