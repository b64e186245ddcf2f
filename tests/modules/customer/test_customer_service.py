"""The customer module's service on both databases."""

from __future__ import annotations

from typing import Any

import pytest

from paymentgraph.errors import InvalidData, NotFound


async def test_create_retrieve_update_list_delete(pg: Any) -> None:
    ann = await pg.customer.create_customers({"email": "ann@example.com", "first_name": "Ann"})
    assert (ann.email, ann.first_name, ann.last_name) == ("ann@example.com", "Ann", None)
    assert ann.id.startswith("cus_")
    assert await pg.customer.retrieve_customer(ann.id) == ann

    updated = await pg.customer.update_customers(ann.id, {"last_name": "Lee", "email": "ann@lee.example"})
    assert (updated.email, updated.first_name, updated.last_name) == ("ann@lee.example", "Ann", "Lee")

    [bob] = await pg.customer.create_customers([{"email": "bob@example.com"}])
    assert [c.id for c in await pg.customer.list_customers()] == [ann.id, bob.id]
    assert [c.id for c in await pg.customer.list_customers({"email": "bob@example.com"})] == [bob.id]

    await pg.customer.delete_customers(ann.id)
    with pytest.raises(NotFound):
        await pg.customer.retrieve_customer(ann.id)
    assert [c.id for c in await pg.customer.list_customers()] == [bob.id]


@pytest.mark.parametrize(
    "bad",
    [{}, {"email": ""}, {"email": "no-at-sign"}, {"email": 5}, {"email": "a@b.c", "first_name": ""}],
)
async def test_bad_input_is_refused_and_nothing_is_written(pg: Any, bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidData):
        await pg.customer.create_customers([{"email": "fine@example.com"}, bad])
    assert await pg.customer.list_customers() == []


async def test_unknown_ids_are_not_found(pg: Any) -> None:
    with pytest.raises(NotFound):
        await pg.customer.retrieve_customer("cus_missing")
    with pytest.raises(NotFound):
        await pg.customer.update_customers("cus_missing", {"first_name": "X"})
    with pytest.raises(NotFound):
        await pg.customer.delete_customers(["cus_missing"])
    customer = await pg.customer.create_customers({"email": "a@example.com"})
    with pytest.raises(InvalidData):
        await pg.customer.update_customers(customer.id, {"email": "nope"})
    assert (await pg.customer.retrieve_customer(customer.id)).email == "a@example.com"
