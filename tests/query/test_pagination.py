"""Pagination, counts, ordering (also across links), and nested lists with their own filter/order/take."""

from __future__ import annotations

from typing import Any

import pytest

from paymentgraph.errors import InvalidData
from paymentgraph.query import Child, Request, Selection


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows]


async def test_count_is_exact_for_the_filter_whatever_the_page(world: Any) -> None:
    graph = world.graph()
    filters = {"$or": [{"cart": {"id": {"$ne": None}}}, {"order": {"display_id": 1}}]}
    page = await graph.graph(
        "payment_collections", ["id"], filters, {"skip": 1, "take": 1, "order": {"created_at": "DESC"}}
    )
    assert ids(page["data"]) == ["pc_2"]
    assert page["metadata"] == {"count": 3, "skip": 1, "take": 1}
    past_end = await graph.graph("payment_collection", ["id"], filters, {"skip": 10, "take": 5})
    assert past_end == {"data": [], "metadata": {"count": 3, "skip": 10, "take": 5}}


async def test_ordering_by_money_sorts_numerically(world: Any) -> None:
    result = await world.graph().graph("payment_collection", ["id"], pagination={"order": {"amount": "DESC"}})
    assert ids(result["data"]) == ["pc_2", "pc_1", "pc_3", "pc_4"]


async def test_ordering_across_a_link_and_a_read_only_link(world: Any) -> None:
    graph = world.graph()
    # Collections without a cart sort last ascending (nulls last), then by id.
    by_cart_email = await graph.graph(
        "payment_collection", ["id"], pagination={"order": {"cart": {"email": "DESC"}}}
    )
    assert ids(by_cart_email["data"]) == ["pc_3", "pc_4", "pc_2", "pc_1"]
    by_cart_email = await graph.graph(
        "payment_collection", ["id"], pagination={"order": {"cart": {"email": "ASC"}}}
    )
    assert ids(by_cart_email["data"]) == ["pc_1", "pc_2", "pc_3", "pc_4"]
    by_region = await graph.graph(
        "cart", ["id"], pagination={"order": {"region": {"name": "DESC"}, "created_at": "DESC"}}
    )
    assert ids(by_region["data"]) == ["cart_2", "cart_3", "cart_1"]
    two_hops = await graph.graph(
        "payment_collection",
        ["id"],
        {"cart": {"id": {"$ne": None}}},
        {"order": {"cart": {"region": {"name": "ASC"}}}},
    )
    assert ids(two_hops["data"]) == ["pc_1", "pc_2"]


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ({"payment_sessions": {"amount": "ASC"}}, "it is a list"),
        ({"amount": "UP"}, 'must be "ASC" or "DESC"'),
        ({"nope": "ASC"}, 'Unknown order field "nope"'),
    ],
)
async def test_bad_orders_are_refused(world: Any, order: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidData) as raised:
        await world.graph().graph("payment_collection", ["id"], pagination={"order": order})
    assert message in raised.value.message


async def test_nested_list_arguments_through_context(world: Any) -> None:
    result = await world.graph().graph(
        "order",
        ["id", "payment_collections.id", "payment_collections.payment_sessions.id"],
        filters={"id": "order_1"},
        context={
            "payment_collections": {"order": {"amount": "ASC"}},
            "payment_collections.payment_sessions": {
                "filters": {"provider_id": "pp_stripe_stripe"},
                "order": {"created_at": "DESC"},
                "take": 1,
            },
        },
    )
    assert result["data"] == [
        {
            "id": "order_1",
            "payment_collections": [
                {"id": "pc_3", "payment_sessions": []},
                {"id": "pc_1", "payment_sessions": [{"id": "ps_1b"}]},
            ],
        }
    ]


async def test_per_parent_take_limits_each_parent_not_the_whole_level(world: Any) -> None:
    graph = world.graph()
    selection = Selection(
        "region",
        {"id"},
        {
            "firstProvider": Child("payment_providers", Selection("payment_provider", {"id"}), take=1),
            "providers": Child(
                "payment_providers", Selection("payment_provider", {"id"}), order={"id": "DESC"}, take=5
            ),
        },
    )
    result = await graph.run(Request(selection, order={"id": "ASC"}))
    assert result["data"] == [
        {
            "id": "reg_eu",
            "firstProvider": [{"id": "pp_stripe_stripe"}],
            "providers": [{"id": "pp_system_default"}, {"id": "pp_stripe_stripe"}],
        },
        {
            "id": "reg_us",
            "firstProvider": [{"id": "pp_system_default"}],
            "providers": [{"id": "pp_system_default"}],
        },
    ]


async def test_aliases_of_one_relation_load_independently(world: Any) -> None:
    selection = Selection(
        "payment_collection",
        {"id"},
        {
            "stripe": Child(
                "payment_sessions", Selection("payment_session", {"id"}), {"provider_id": "pp_stripe_stripe"}
            ),
            "system": Child(
                "payment_sessions", Selection("payment_session", {"id"}), {"provider_id": "pp_system_default"}
            ),
            "theCart": Child("cart", Selection("cart", {"email"})),
        },
    )
    result = await world.graph().run(
        Request(selection, filters={"id": ["pc_1", "pc_2"]}, take=10, with_count=True)
    )
    assert result == {
        "data": [
            {
                "id": "pc_1",
                "stripe": [{"id": "ps_1b"}],
                "system": [{"id": "ps_1a"}],
                "theCart": {"email": "ann@x.com"},
            },
            {"id": "pc_2", "stripe": [{"id": "ps_2a"}], "system": [], "theCart": {"email": "zed@z.com"}},
        ],
        "metadata": {"count": 2, "skip": 0, "take": 10},
    }


async def test_unknown_entities_fields_and_context_paths_are_refused(world: Any) -> None:
    graph = world.graph()
    with pytest.raises(InvalidData, match='Unknown entity "nope"'):
        await graph.graph("nope", ["id"])
    with pytest.raises(InvalidData, match=r'Unknown field "nope" on cart in "cart\.nope"'):
        await graph.graph("payment_collection", ["cart.nope"])
    with pytest.raises(InvalidData, match="not a selected relation"):
        await graph.graph("payment_collection", ["id"], context={"payments": {"take": 1}})
    with pytest.raises(InvalidData, match="take must be a non-negative integer"):
        await graph.graph("payment_collection", ["id"], pagination={"take": -1})


async def test_per_parent_skip_and_take_page_each_list(world: Any) -> None:
    result = await world.graph().graph(
        "payment_collection",
        ["id", "payment_sessions.id", "payments.captures.id"],
        filters={"id": "pc_1"},
        context={
            "payment_sessions": {"skip": 1},
            "payments.captures": {"order": {"amount": "DESC"}, "skip": 1, "take": 1},
        },
    )
    assert result["data"] == [
        {"id": "pc_1", "payment_sessions": [{"id": "ps_1b"}], "payments": [{"captures": [{"id": "capt_1"}]}]}
    ]


async def test_take_without_skip_has_no_count_as_in_medusa(world: Any) -> None:
    result = await world.graph().graph("payment_collection", ["id"], pagination={"take": 2})
    assert ids(result["data"]) == ["pc_1", "pc_2"]
    assert result["metadata"] == {"skip": 0, "take": 2}


async def test_nested_list_filter_and_order_may_cross_links_too(world: Any) -> None:
    graph = world.graph()
    selection = Selection(
        "order",
        {"id"},
        {
            "withCart": Child(
                "payment_collections",
                Selection("payment_collection", {"id"}),
                filters={"cart": {"email": {"$like": "%@x.com"}}},
            ),
            "byExchange": Child(
                "payment_collections",
                Selection("payment_collection", {"id"}),
                order={"exchange": {"id": "ASC"}},
            ),
        },
    )
    result = await graph.run(Request(selection, filters={"id": "order_1"}))
    # pc_3 has an exchange and pc_1 none: nulls sort last ascending.
    assert result["data"] == [
        {"id": "order_1", "withCart": [{"id": "pc_1"}], "byExchange": [{"id": "pc_3"}, {"id": "pc_1"}]}
    ]


async def test_a_child_response_key_may_not_shadow_a_column(world: Any) -> None:
    selection = Selection("cart", {"id"}, {"region_id": Child("region", Selection("region", {"name"}))})
    with pytest.raises(InvalidData, match="region_id of cart at cart name a column"):
        await world.graph().run(Request(selection))
