"""Plans are cached by the shape of a request; its values (ids, filter values, skip, take) are bound.

A server's requests differ in their ids and offsets: each must reuse the plan of its shape, and none may
see another's values.
"""

from __future__ import annotations

from typing import Any

import pytest

from paymentgraph.errors import InvalidData


def ids(result: dict[str, Any]) -> list[str]:
    return [row["id"] for row in result["data"]]


async def test_values_are_bound_into_one_plan_per_shape(world: Any) -> None:
    graph = world.graph()
    cases = [
        ({"id": "pc_1"}, ["pc_1"]),
        ({"id": "pc_4"}, ["pc_4"]),
        ({"id": "pc_gone"}, []),
    ]
    for filters, expected in cases:
        assert ids(await graph.graph("payment_collection", ["id"], filters=filters)) == expected
    assert graph.cached_plans == 1

    amounts = [("15.5", ["pc_1", "pc_2"]), ("40", ["pc_2"]), ("1000", [])]
    for amount, expected in amounts:
        result = await graph.graph("payment_collection", ["id"], filters={"amount": {"$gt": amount}})
        assert ids(result) == expected, amount
    assert graph.cached_plans == 2

    # An IN list of any length is one parameter.
    for listed, expected in ((["pc_2"], ["pc_2"]), (["pc_1", "pc_3", "pc_x"], ["pc_1", "pc_3"])):
        assert ids(await graph.graph("payment_collection", ["id"], filters={"id": listed})) == expected
    assert graph.cached_plans == 3
    # Money in a list compares as money on both databases (40 equals the stored 40.00).
    for listed, expected in ((["40", "7"], ["pc_1", "pc_4"]), (["15.5"], ["pc_3"]), ([], [])):
        result = await graph.graph("payment_collection", ["id"], filters={"amount": {"$in": listed}})
        assert ids(result) == expected, listed
    assert graph.cached_plans == 5  # an empty list is its own shape (no parameter: nothing matches)


async def test_pages_and_nested_arguments_are_bound(world: Any) -> None:
    graph = world.graph()
    order = {"order": {"created_at": "ASC"}}
    pages = [
        await graph.graph("payment_collection", ["id"], pagination={"skip": skip, "take": 2, **order})
        for skip in (0, 1, 2, 3)
    ]
    assert [ids(page) for page in pages] == [["pc_1", "pc_2"], ["pc_2", "pc_3"], ["pc_3", "pc_4"], ["pc_4"]]
    assert [page["metadata"]["count"] for page in pages] == [4, 4, 4, 4]
    # skip 0 and skip > 0 are two shapes (no OFFSET at all for the first page).
    assert graph.cached_plans == 2

    def sessions(provider: str, take: int) -> Any:
        return graph.graph(
            "payment_collection",
            ["id", "payment_sessions.id"],
            filters={"id": "pc_1"},
            context={"payment_sessions": {"filters": {"provider_id": provider}, "take": take}},
        )

    first = await sessions("pp_stripe_stripe", 1)
    second = await sessions("pp_system_default", 5)
    assert [s["id"] for s in first["data"][0]["payment_sessions"]] == ["ps_1b"]
    assert [s["id"] for s in second["data"][0]["payment_sessions"]] == ["ps_1a"]
    assert graph.cached_plans == 3


async def test_a_cached_plan_still_refuses_bad_values(world: Any) -> None:
    graph = world.graph()
    await graph.graph("payment_collection", ["id"], filters={"amount": {"$gt": "1"}})
    for bad in ("1e3", "abc", None):
        with pytest.raises(InvalidData):
            await graph.graph("payment_collection", ["id"], filters={"amount": {"$gt": bad}})
    await graph.graph("payment_collection", ["id"], filters={"id": {"$like": "pc%"}})
    with pytest.raises(InvalidData):
        await graph.graph("payment_collection", ["id"], filters={"id": {"$like": "pc\\"}})
    with pytest.raises(InvalidData):
        await graph.graph("payment_collection", ["id"], pagination={"skip": -1, "take": 2})
