"""Ownership in the query graph: a guest's or customer's read sees only rows nobody or they own, at every
depth, within the same statements as an admin's read."""

from __future__ import annotations

from typing import Any

from paymentgraph.query.selection import Request

CART_FIELDS = ["id", "customer.id", "customer.account_holders.id", "customer.carts.id"]


def _request(db: Any, entity: str, fields: list[str], owner: str | None, *, owned: bool = True) -> Request:
    return Request(db.graph().selection(entity, fields), owned=owned, owner=owner)


async def test_a_customer_reads_guest_rows_and_their_own(world: Any) -> None:
    graph = world.graph()
    rows = (await graph.run(_request(world, "cart", CART_FIELDS, "cus_a")))["data"]
    assert [r["id"] for r in rows] == ["cart_1", "cart_2"]  # cart_3 is cus_b's
    ann = rows[0]["customer"]
    assert ann["id"] == "cus_a"
    assert sorted(h["id"] for h in ann["account_holders"]) == ["acc_1", "acc_2"]
    assert [c["id"] for c in ann["carts"]] == ["cart_1"]
    assert rows[1]["customer"] is None  # a guest cart


async def test_a_guest_reads_only_rows_nobody_owns(world: Any) -> None:
    graph = world.graph()
    rows = (await graph.run(_request(world, "cart", CART_FIELDS, None)))["data"]
    assert [r["id"] for r in rows] == ["cart_2"]
    assert (await graph.run(_request(world, "customer", ["id"], None)))["data"] == []
    assert (await graph.run(_request(world, "account_holder", ["id"], None)))["data"] == []


async def test_nesting_cannot_reach_around_ownership(world: Any) -> None:
    graph = world.graph()
    # The guest cart's collection also pays a claim of Ann's order: from there her order does not exist.
    fields = [
        "id",
        "payment_collection.claim.order.id",
        "payment_collection.claim.order.customer.id",
    ]
    [guest_cart] = (await graph.run(_request(world, "cart", fields, None)))["data"]
    claim = guest_cart["payment_collection"]["claim"]
    assert claim is not None and claim["order"] is None
    [as_ann] = (await graph.run(_request(world, "cart", fields, "cus_a", owned=True)))["data"][1:]
    assert as_ann["payment_collection"]["claim"]["order"]["customer"] == {"id": "cus_a"}
    # Bob reaches none of Ann's things from his own customer row.
    [bob] = (await graph.run(_request(world, "customer", ["id", "carts.id", "account_holders.id"], "cus_b")))[
        "data"
    ]
    assert bob == {"id": "cus_b", "carts": [{"id": "cart_3"}], "account_holders": []}


async def test_ownership_costs_no_extra_statement(world: Any, count_statements: Any) -> None:
    graph = world.graph()
    counter = count_statements(world.engine)
    await graph.run(_request(world, "cart", CART_FIELDS, None, owned=False))
    as_admin = counter.count
    counter.reset()
    await graph.run(_request(world, "cart", CART_FIELDS, "cus_a"))
    assert counter.count == as_admin == 4  # carts, customer, its account holders, its carts
