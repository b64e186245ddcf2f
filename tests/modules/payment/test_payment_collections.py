"""Payment collections: create, update, delete, complete, retrieve, list."""

from __future__ import annotations

from decimal import Decimal

import pytest

from paymentgraph import PaymentGraph
from paymentgraph.errors import ErrorCode, InvalidData, NotAllowed, NotFound


async def test_create_single_returns_dto_with_zero_amounts(pg: PaymentGraph) -> None:
    col = await pg.payment.create_payment_collections(
        {"currency_code": "USD", "amount": "40", "metadata": {"cart": "c1"}}
    )
    assert col.id.startswith("pay_col_")
    assert col.currency_code == "usd"
    assert col.amount == Decimal("40.00") and str(col.amount) == "40.00"
    assert (col.authorized_amount, col.captured_amount, col.refunded_amount) == (0, 0, 0)
    assert col.status == "not_paid"
    assert col.metadata == {"cart": "c1"}
    assert col.payment_sessions == () and col.payments == ()


async def test_create_list_returns_list(pg: PaymentGraph) -> None:
    cols = await pg.payment.create_payment_collections(
        [{"currency_code": "eur", "amount": 1}, {"currency_code": "jpy", "amount": "500"}]
    )
    assert isinstance(cols, list)
    assert [(c.currency_code, c.amount) for c in cols] == [("eur", Decimal("1.00")), ("jpy", Decimal("500"))]


async def test_create_requires_currency_then_amount(pg: PaymentGraph) -> None:
    with pytest.raises(InvalidData, match=r"PaymentCollection.currency_code is required"):
        await pg.payment.create_payment_collections({"amount": "1"})
    with pytest.raises(InvalidData, match=r"PaymentCollection.amount is required"):
        await pg.payment.create_payment_collections({"currency_code": "usd"})
    # A failed batch writes nothing.
    with pytest.raises(InvalidData):
        await pg.payment.create_payment_collections(
            [{"currency_code": "usd", "amount": "1"}, {"currency_code": "usd"}]
        )
    assert await pg.payment.list_payment_collections() == []


async def test_retrieve_and_list(pg: PaymentGraph) -> None:
    a = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "1"})
    b = await pg.payment.create_payment_collections({"currency_code": "eur", "amount": "2"})
    assert (await pg.payment.retrieve_payment_collection(a.id)).id == a.id
    assert [c.id for c in await pg.payment.list_payment_collections()] == [a.id, b.id]
    assert [c.id for c in await pg.payment.list_payment_collections({"currency_code": "eur"})] == [b.id]
    assert [c.id for c in await pg.payment.list_payment_collections({"id": [a.id, "nope"]})] == [a.id]
    assert [c.id for c in await pg.payment.list_payment_collections({"amount": "2"})] == [b.id]
    assert [c.id for c in await pg.payment.list_payment_collections(skip=1, take=1)] == [b.id]
    with pytest.raises(NotFound, match="PaymentCollection with id: pay_col_missing was not found"):
        await pg.payment.retrieve_payment_collection("pay_col_missing")
    with pytest.raises(InvalidData, match="Cannot filter"):
        await pg.payment.list_payment_collections({"nonsense": 1})


async def test_update_by_id_and_selector(pg: PaymentGraph) -> None:
    a = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "1"})
    b = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "2"})
    updated = await pg.payment.update_payment_collections(a.id, {"amount": "5.5", "metadata": {"k": 1}})
    assert updated.amount == Decimal("5.50") and updated.metadata == {"k": 1}
    # A selector updates and returns every match (Medusa returns only the first, quirk 15).
    many = await pg.payment.update_payment_collections({"currency_code": "usd"}, {"currency_code": "EUR"})
    assert sorted(c.id for c in many) == sorted([a.id, b.id])
    assert {c.currency_code for c in many} == {"eur"}
    status = await pg.payment.update_payment_collections(a.id, {"status": "canceled"})
    assert status.status == "canceled"


async def test_update_errors(pg: PaymentGraph) -> None:
    a = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "1"})
    with pytest.raises(NotFound, match="PaymentCollection with id: pay_col_x was not found"):
        await pg.payment.update_payment_collections("pay_col_x", {"amount": "1"})
    with pytest.raises(InvalidData, match="status must be one of"):
        await pg.payment.update_payment_collections(a.id, {"status": "paid"})
    with pytest.raises(InvalidData, match="Cannot update"):
        await pg.payment.update_payment_collections(a.id, {"authorized_amount": "1"})
    with pytest.raises(InvalidData, match="finer than the minor unit"):
        await pg.payment.update_payment_collections(a.id, {"currency_code": "jpy"})  # 1.00 is fine...
        await pg.payment.update_payment_collections(a.id, {"amount": "1.5"})


async def test_amount_and_currency_are_fixed_once_anything_is_authorized(pg: PaymentGraph) -> None:
    col = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "100"})
    ses = await pg.payment.create_payment_session(
        col.id, {"provider_id": "pp_system_default", "amount": "60"}
    )
    payment = await pg.payment.authorize_payment_session(ses.id)
    for change in ({"amount": "60"}, {"currency_code": "eur"}, {"amount": "100", "currency_code": "eur"}):
        with pytest.raises(NotAllowed) as refused:
            await pg.payment.update_payment_collections(col.id, change)
        assert refused.value.code is ErrorCode.NOT_ALLOWED
    # The same amount, and what is not money, may still be written.
    same = await pg.payment.update_payment_collections(col.id, {"amount": "100.00", "metadata": {"a": 1}})
    assert (same.amount, same.currency_code, same.status, same.metadata) == (
        Decimal("100"),
        "usd",
        "partially_authorized",
        {"a": 1},
    )
    # Once the authorization is released the collection is free to change again.
    await pg.payment.cancel_payment(payment.id)
    col = await pg.payment.update_payment_collections(col.id, {"amount": "60"})
    assert col.amount == Decimal("60")


async def test_delete_cascades_and_missing_is_not_found(pg: PaymentGraph, make_payment) -> None:
    payment = await make_payment(pg)
    await pg.payment.cancel_payment(payment.id)
    await pg.payment.delete_payment_collections(payment.payment_collection_id)
    assert await pg.payment.list_payment_collections({"id": payment.payment_collection_id}) == []
    assert await pg.payment.list_payments() == []
    assert await pg.payment.list_payment_sessions() == []
    with pytest.raises(NotFound):
        await pg.payment.delete_payment_collections(["pay_col_gone"])


async def test_a_collection_holding_money_is_not_deleted(pg: PaymentGraph, make_payment) -> None:
    authorized = await make_payment(pg)
    captured = await make_payment(pg)
    await pg.payment.capture_payment({"payment_id": captured.id})
    await pg.payment.refund_payment({"payment_id": captured.id})
    for payment in (authorized, captured):
        with pytest.raises(NotAllowed) as refused:
            await pg.payment.delete_payment_collections([payment.payment_collection_id])
        assert refused.value.code is ErrorCode.NOT_ALLOWED
    kept = await pg.payment.list_payment_collections(
        {"id": [authorized.payment_collection_id, captured.payment_collection_id]}
    )
    assert len(kept) == 2
    assert len(await pg.payment.list_captures()) == 1 and len(await pg.payment.list_refunds()) == 1


async def test_complete(pg: PaymentGraph) -> None:
    a = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "1"})
    b = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "1"})
    one = await pg.payment.complete_payment_collections(a.id)
    assert one.completed_at is not None
    again = await pg.payment.complete_payment_collections(a.id)
    assert again.completed_at == one.completed_at
    both = await pg.payment.complete_payment_collections([a.id, b.id])
    assert [c.completed_at is not None for c in both] == [True, True]
    with pytest.raises(NotFound):
        await pg.payment.complete_payment_collections("pay_col_nope")


async def test_a_currency_change_stores_the_amount_in_the_new_currency(pg: PaymentGraph) -> None:
    col = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "27"})
    # 27.00 equals 27, so the ORM used to skip the write and kept "27.00" yen.
    updated = await pg.payment.update_payment_collections(col.id, {"currency_code": "jpy"})
    stored = await pg.payment.retrieve_payment_collection(col.id)
    assert str(updated.amount) == str(stored.amount) == "27"
    await pg.payment.update_payment_collections(col.id, {"currency_code": "kwd"})
    assert str((await pg.payment.retrieve_payment_collection(col.id)).amount) == "27.000"
