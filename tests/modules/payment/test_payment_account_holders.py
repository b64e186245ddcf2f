"""Account holders and payment methods through the provider."""

from __future__ import annotations

import pytest

from paymentgraph import PaymentGraph
from paymentgraph.errors import InvalidData, NotFound

CUSTOMER = {"id": "cus_1", "email": "a@example.com"}


async def test_create_is_idempotent_per_customer(pg: PaymentGraph) -> None:
    holder = await pg.payment.create_account_holder(
        {"provider_id": "pp_system_default", "context": {"customer": CUSTOMER}}
    )
    assert holder is not None
    assert holder.id.startswith("acchld_")
    assert (holder.external_id, holder.email, holder.provider_id) == (
        "cus_1",
        "a@example.com",
        "pp_system_default",
    )
    again = await pg.payment.create_account_holder(
        {"provider_id": "pp_system_default", "context": {"customer": CUSTOMER}}
    )
    assert again is not None and again.id == holder.id
    assert [h.id for h in await pg.payment.list_account_holders({"external_id": "cus_1"})] == [holder.id]
    assert (await pg.payment.retrieve_account_holder(holder.id)).email == "a@example.com"


async def test_create_errors(pg: PaymentGraph) -> None:
    with pytest.raises(InvalidData, match=r"context\.customer"):
        await pg.payment.create_account_holder({"provider_id": "pp_system_default", "context": {}})
    with pytest.raises(NotFound, match="PaymentProvider with id: pp_x_default was not found"):
        await pg.payment.create_account_holder(
            {"provider_id": "pp_x_default", "context": {"customer": CUSTOMER}}
        )


async def test_update_and_delete(pg: PaymentGraph) -> None:
    holder = await pg.payment.create_account_holder(
        {"provider_id": "pp_system_default", "context": {"customer": CUSTOMER}}
    )
    assert holder is not None
    updated = await pg.payment.update_account_holder({"id": holder.id, "metadata": {"vip": True}})
    assert updated.metadata == {"vip": True} and updated.data == holder.data
    await pg.payment.delete_account_holder(holder.id)
    with pytest.raises(NotFound, match=f"AccountHolder with id: {holder.id} was not found"):
        await pg.payment.retrieve_account_holder(holder.id)
    with pytest.raises(NotFound):
        await pg.payment.update_account_holder({"id": holder.id})
    with pytest.raises(NotFound):
        await pg.payment.delete_account_holder(holder.id)
    with pytest.raises(InvalidData, match="id is required"):
        await pg.payment.update_account_holder({})


async def test_payment_methods(pg: PaymentGraph) -> None:
    holder = await pg.payment.create_account_holder(
        {"provider_id": "pp_system_default", "context": {"customer": CUSTOMER}}
    )
    assert holder is not None
    saved = await pg.payment.save_payment_method(
        {
            "provider_id": "pp_system_default",
            "data": {"card": "visa"},
            "context": {"account_holder": {"id": holder.id}},
        }
    )
    assert (saved.provider_id, saved.data) == ("pp_system_default", {"card": "visa"})
    by_holder = await pg.payment.save_payment_method(
        {"data": {}, "context": {"account_holder": {"id": holder.id}}}
    )
    assert by_holder.provider_id == "pp_system_default"
    many = await pg.payment.create_payment_methods([{"provider_id": "pp_system_default", "data": {}}])
    assert len(many) == 1 and many[0].id
    # The system provider keeps saved methods in the holder's data, and lists them from there.
    methods = await pg.payment.list_payment_methods(
        "pp_system_default", {"account_holder": {"id": holder.id}}
    )
    assert [(m.id, m.provider_id, m.data) for m in methods] == [
        (saved.id, "pp_system_default", {"card": "visa"}),
        (by_holder.id, "pp_system_default", {}),
    ]
    assert await pg.payment.list_payment_methods("pp_system_default", {}) == []
    with pytest.raises(NotFound):
        await pg.payment.list_payment_methods("pp_system_default", {"account_holder": {"id": "acchld_x"}})
    with pytest.raises(NotFound, match="Unable to retrieve the payment provider"):
        await pg.payment.list_payment_methods("pp_x_default", {})
