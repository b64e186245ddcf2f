"""Payment sessions: create through the provider, update, delete, read; collection recompute."""

from __future__ import annotations

from decimal import Decimal

import pytest

from paymentgraph import PaymentGraph
from paymentgraph.errors import InvalidData, NotAllowed, NotFound


async def test_create_defaults_to_collection_amount_and_currency(pg: PaymentGraph) -> None:
    col = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "40"})
    ses = await pg.payment.create_payment_session(
        col.id,
        {
            "provider_id": "pp_system_default",
            "data": {"a": 1},
            "context": {"customer": {"id": "cus_1"}},
            "metadata": {"m": True},
        },
    )
    assert ses.id.startswith("payses_")
    assert (ses.amount, ses.currency_code, ses.status) == (Decimal("40.00"), "usd", "pending")
    assert ses.data["a"] == 1 and ses.metadata == {"m": True}
    assert ses.context == {"customer": {"id": "cus_1"}}
    # Unlike Medusa (quirk 1), creating a session moves the collection to awaiting at once.
    col = await pg.payment.retrieve_payment_collection(col.id)
    assert col.status == "awaiting"
    assert [s.id for s in col.payment_sessions] == [ses.id]


async def test_create_with_explicit_amount_and_same_currency_any_case(pg: PaymentGraph) -> None:
    col = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "40"})
    ses = await pg.payment.create_payment_session(
        col.id, {"provider_id": "pp_system_default", "amount": "15.5", "currency_code": "USD"}
    )
    assert ses.amount == Decimal("15.50")


async def test_create_errors(pg: PaymentGraph) -> None:
    col = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "40"})
    with pytest.raises(NotFound, match="PaymentCollection with id: pay_col_x was not found"):
        await pg.payment.create_payment_session("pay_col_x", {"provider_id": "pp_system_default"})
    with pytest.raises(InvalidData, match="does not match"):
        await pg.payment.create_payment_session(
            col.id, {"provider_id": "pp_system_default", "currency_code": "eur"}
        )
    with pytest.raises(NotFound, match="PaymentProvider with id: pp_nope_default was not found"):
        await pg.payment.create_payment_session(col.id, {"provider_id": "pp_nope_default"})
    with pytest.raises(InvalidData, match="provider_id is required"):
        await pg.payment.create_payment_session(col.id, {})
    with pytest.raises(InvalidData, match="finer than"):
        await pg.payment.create_payment_session(
            col.id, {"provider_id": "pp_system_default", "amount": "1.001"}
        )
    await pg.payment.update_payment_provider("pp_system_default", False)
    with pytest.raises(NotAllowed, match="disabled"):
        await pg.payment.create_payment_session(col.id, {"provider_id": "pp_system_default"})
    assert await pg.payment.list_payment_sessions() == []
    assert (await pg.payment.retrieve_payment_collection(col.id)).status == "not_paid"


async def test_create_refused_on_completed_collection(pg: PaymentGraph, make_payment) -> None:
    payment = await make_payment(pg)
    await pg.payment.capture_payment({"payment_id": payment.id})
    with pytest.raises(NotAllowed, match="completed"):
        await pg.payment.create_payment_session(
            payment.payment_collection_id, {"provider_id": "pp_system_default"}
        )


async def test_update_session(pg: PaymentGraph) -> None:
    col = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "40"})
    ses = await pg.payment.create_payment_session(col.id, {"provider_id": "pp_system_default"})
    updated = await pg.payment.update_payment_session(
        {"id": ses.id, "amount": "20", "data": {"x": 1}, "metadata": {"note": "n"}}
    )
    assert (
        updated.amount == Decimal("20.00") and updated.data == {"x": 1} and updated.metadata == {"note": "n"}
    )
    # Fields not given keep their values; a status-only update does not reach the provider.
    again = await pg.payment.update_payment_session({"id": ses.id, "status": "requires_more"})
    assert again.amount == Decimal("20.00") and again.data == {"x": 1} and again.status == "requires_more"
    assert (await pg.payment.retrieve_payment_session(ses.id)).status == "requires_more"


async def test_update_session_errors(pg: PaymentGraph, make_payment) -> None:
    payment = await make_payment(pg)
    with pytest.raises(NotFound, match="PaymentSession with id: payses_x was not found"):
        await pg.payment.update_payment_session({"id": "payses_x", "amount": "1"})
    with pytest.raises(InvalidData, match="id is required"):
        await pg.payment.update_payment_session({"amount": "1"})
    with pytest.raises(InvalidData, match="does not match"):
        await pg.payment.update_payment_session({"id": payment.payment_session_id, "currency_code": "eur"})
    with pytest.raises(InvalidData, match="status must be one of"):
        await pg.payment.update_payment_session({"id": payment.payment_session_id, "status": "done"})
    with pytest.raises(NotAllowed, match="authorized"):
        await pg.payment.update_payment_session({"id": payment.payment_session_id, "amount": "1"})
    # Metadata can still change on an authorized session.
    ok = await pg.payment.update_payment_session({"id": payment.payment_session_id, "metadata": {"a": 1}})
    assert ok.metadata == {"a": 1} and ok.amount == Decimal("100.00")


async def test_update_amount_recomputes_collection(pg: PaymentGraph) -> None:
    col = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "40"})
    ses = await pg.payment.create_payment_session(
        col.id, {"provider_id": "pp_system_default", "amount": "10"}
    )
    await pg.payment.update_payment_session({"id": ses.id, "amount": "40"})
    await pg.payment.authorize_payment_session(ses.id)
    assert (await pg.payment.retrieve_payment_collection(col.id)).status == "authorized"


async def test_delete_session(pg: PaymentGraph, make_payment) -> None:
    col = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "40"})
    ses = await pg.payment.create_payment_session(col.id, {"provider_id": "pp_system_default"})
    await pg.payment.delete_payment_session(ses.id)
    with pytest.raises(NotFound, match=f"PaymentSession with id: {ses.id} was not found"):
        await pg.payment.retrieve_payment_session(ses.id)
    assert (await pg.payment.retrieve_payment_collection(col.id)).status == "not_paid"
    with pytest.raises(NotFound):
        await pg.payment.delete_payment_session(ses.id)
    payment = await make_payment(pg)
    with pytest.raises(NotAllowed, match="cancel the payment"):
        await pg.payment.delete_payment_session(payment.payment_session_id)
    await pg.payment.cancel_payment(payment.id)
    await pg.payment.delete_payment_session(payment.payment_session_id)
    assert await pg.payment.list_payments({"id": payment.id}) == []


async def test_list_sessions(pg: PaymentGraph) -> None:
    a = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "40"})
    b = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "40"})
    s1 = await pg.payment.create_payment_session(a.id, {"provider_id": "pp_system_default"})
    s2 = await pg.payment.create_payment_session(b.id, {"provider_id": "pp_system_default"})
    assert [s.id for s in await pg.payment.list_payment_sessions()] == [s1.id, s2.id]
    assert [s.id for s in await pg.payment.list_payment_sessions({"payment_collection_id": b.id})] == [s2.id]
