"""A failing provider leaves no session, capture or refund behind, and nothing moves."""

from __future__ import annotations

from decimal import Decimal

import pytest
from payment_fakes import FAILING_ID

from paymentgraph import PaymentGraph
from paymentgraph.errors import ProviderError


async def test_failed_initiate_leaves_no_session(pgf: PaymentGraph) -> None:
    col = await pgf.payment.create_payment_collections({"currency_code": "usd", "amount": "10"})
    with pytest.raises(ProviderError, match="initiate refused") as info:
        await pgf.payment.create_payment_session(
            col.id, {"provider_id": FAILING_ID, "data": {"fail": ["initiate"]}}
        )
    assert info.value.details["provider_id"] == FAILING_ID
    assert await pgf.payment.list_payment_sessions() == []
    assert (await pgf.payment.retrieve_payment_collection(col.id)).status == "not_paid"


async def test_failed_capture_leaves_no_capture(pgf: PaymentGraph, make_payment) -> None:
    payment = await make_payment(pgf, amount="10", provider_id=FAILING_ID, data={"fail": ["capture"]})
    with pytest.raises(ProviderError, match="capture refused") as info:
        await pgf.payment.capture_payment({"payment_id": payment.id, "amount": "4"})
    assert info.value.details["payment_id"] == payment.id
    assert await pgf.payment.list_captures() == []
    after = await pgf.payment.retrieve_payment(payment.id)
    assert (after.captured_amount, after.captured_at) == (Decimal(0), None)
    assert after == payment  # the reservation's lock on the payment changed none of its fields
    col = await pgf.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert (col.captured_amount, col.status) == (Decimal(0), "authorized")


async def test_failed_refund_leaves_no_refund(pgf: PaymentGraph, make_payment) -> None:
    payment = await make_payment(pgf, amount="10", provider_id=FAILING_ID, data={"fail": ["refund"]})
    await pgf.payment.capture_payment({"payment_id": payment.id})
    with pytest.raises(ProviderError, match="refund refused"):
        await pgf.payment.refund_payment({"payment_id": payment.id, "amount": "3"})
    assert await pgf.payment.list_refunds() == []
    assert (await pgf.payment.retrieve_payment(payment.id)).refunded_amount == Decimal(0)
    col = await pgf.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert col.refunded_amount == Decimal(0)


async def test_failed_cancel_keeps_payment_live(pgf: PaymentGraph, make_payment) -> None:
    payment = await make_payment(pgf, amount="10", provider_id=FAILING_ID, data={"fail": ["cancel"]})
    with pytest.raises(ProviderError, match="cancel refused"):
        await pgf.payment.cancel_payment(payment.id)
    assert (await pgf.payment.retrieve_payment(payment.id)).canceled_at is None
    col = await pgf.payment.retrieve_payment_collection(payment.payment_collection_id)
    assert (col.status, col.authorized_amount) == ("authorized", Decimal("10.00"))
    await pgf.payment.capture_payment({"payment_id": payment.id})  # still capturable


async def test_failed_authorize_and_delete_change_nothing(pgf: PaymentGraph) -> None:
    col = await pgf.payment.create_payment_collections({"currency_code": "usd", "amount": "10"})
    ses = await pgf.payment.create_payment_session(
        col.id, {"provider_id": FAILING_ID, "data": {"fail": ["authorize", "delete", "update"]}}
    )
    with pytest.raises(ProviderError, match="authorize refused"):
        await pgf.payment.authorize_payment_session(ses.id)
    assert await pgf.payment.list_payments() == []
    assert (await pgf.payment.retrieve_payment_session(ses.id)).status == "pending"
    with pytest.raises(ProviderError, match="update refused"):
        await pgf.payment.update_payment_session({"id": ses.id, "amount": "5"})
    assert (await pgf.payment.retrieve_payment_session(ses.id)).amount == Decimal("10.00")
    with pytest.raises(ProviderError, match="delete refused"):
        await pgf.payment.delete_payment_session(ses.id)
    assert [s.id for s in await pgf.payment.list_payment_sessions()] == [ses.id]
