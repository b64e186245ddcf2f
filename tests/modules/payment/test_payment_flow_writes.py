"""The payment flow's writes: what each step returns is what a fresh read returns (its statements are
counted in test_flow_statements.py)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from paymentgraph import PaymentGraph

SYSTEM = "pp_system_default"


async def test_each_step_returns_what_a_fresh_read_returns(pg: PaymentGraph) -> None:
    collection = await pg.payment.create_payment_collections(
        {"currency_code": "EUR", "amount": "40.5", "metadata": {"order": "A-1"}}
    )
    assert collection == await pg.payment.retrieve_payment_collection(collection.id)
    assert (collection.status, collection.amount, collection.payment_sessions) == (
        "not_paid",
        Decimal("40.50"),
        (),
    )

    session = await pg.payment.create_payment_session(
        collection.id,
        {"provider_id": SYSTEM, "data": {"cart": "c1"}, "context": {"customer": {"id": "cus_1"}}},
    )
    assert session == await pg.payment.retrieve_payment_session(session.id)
    assert (session.status, session.amount, session.data["cart"]) == ("pending", Decimal("40.50"), "c1")

    payment = await pg.payment.authorize_payment_session(session.id)
    assert payment == await pg.payment.retrieve_payment(payment.id)
    assert (payment.amount, payment.captured_amount, payment.captures) == (Decimal("40.50"), 0, ())

    captured = await pg.payment.capture_payment({"payment_id": payment.id, "amount": "10"})
    assert captured == await pg.payment.retrieve_payment(payment.id)
    rest = await pg.payment.capture_payment({"payment_id": payment.id})
    assert rest == await pg.payment.retrieve_payment(payment.id)
    assert [c.amount for c in rest.captures] == [Decimal("10"), Decimal("30.50")]
    assert {c.status for c in rest.captures} == {"succeeded"}
    assert rest.captured_at is not None

    final = await pg.payment.retrieve_payment_collection(collection.id)
    assert (final.status, final.authorized_amount, final.captured_amount) == (
        "completed",
        Decimal("40.50"),
        Decimal("40.50"),
    )
    assert final.completed_at is not None
    assert [p.id for p in final.payments] == [payment.id]
    assert [s.status for s in final.payment_sessions] == ["authorized"]


async def test_several_collections_are_created_in_one_call(pg: PaymentGraph) -> None:
    created = await pg.payment.create_payment_collections(
        [
            {"currency_code": "usd", "amount": "1"},
            {"currency_code": "jpy", "amount": "500", "id": "pay_col_own"},
        ]
    )
    assert [c.id for c in created][1] == "pay_col_own"
    assert created == await pg.payment.list_payment_collections({"id": [c.id for c in created]})


async def test_concurrent_authorizations_of_one_collection_all_count(pg: PaymentGraph) -> None:
    collection = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "60"})
    sessions = [
        await pg.payment.create_payment_session(collection.id, {"provider_id": SYSTEM, "amount": "10"})
        for _ in range(6)
    ]
    payments = await asyncio.gather(*(pg.payment.authorize_payment_session(s.id) for s in sessions))
    state = await pg.payment.retrieve_payment_collection(collection.id)
    assert (state.status, state.authorized_amount) == ("authorized", Decimal("60"))
    await asyncio.gather(*(pg.payment.capture_payment({"payment_id": p.id}) for p in payments))
    state = await pg.payment.retrieve_payment_collection(collection.id)
    assert (state.status, state.captured_amount) == ("completed", Decimal("60"))


async def test_updating_a_collection_returns_its_recomputed_state(pg: PaymentGraph) -> None:
    collection = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "50"})
    await pg.payment.create_payment_session(collection.id, {"provider_id": SYSTEM, "amount": "20"})
    lowered = await pg.payment.update_payment_collections(collection.id, {"amount": "20"})
    assert (lowered.status, lowered.amount, len(lowered.payment_sessions)) == ("awaiting", Decimal("20"), 1)
    assert lowered == await pg.payment.retrieve_payment_collection(collection.id)
    raised = await pg.payment.update_payment_collections({"id": [collection.id]}, {"amount": "80"})
    assert [c.amount for c in raised] == [Decimal("80")]
    assert raised == await pg.payment.list_payment_collections({"id": collection.id})
