"""Every link in both directions, read-only links and in-module relations, through query.graph."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows]


async def one(world: Any, entity: str, id: str, fields: list[str]) -> dict[str, Any]:
    result = await world.graph().graph(entity, fields, filters={"id": id})
    assert len(result["data"]) == 1
    return result["data"][0]


@pytest.mark.parametrize(
    ("entity", "id", "field", "expected"),
    [
        ("payment_collection", "pc_1", "cart", "cart_1"),
        ("payment_collection", "pc_3", "cart", None),  # the link row was dismissed
        ("cart", "cart_1", "payment_collection", "pc_1"),
        ("cart", "cart_3", "payment_collection", None),
        ("account_holder", "acc_2", "customer", "cus_a"),
        ("payment_collection", "pc_1", "order", "order_1"),
        ("payment_collection", "pc_4", "order", None),  # dismissed
        ("payment_collection", "pc_2", "claim", "claim_1"),
        ("payment_collection", "pc_3", "exchange", "exc_1"),
        ("payment_collection", "pc_1", "exchange", None),
        ("cart", "cart_1", "region", "reg_eu"),
        ("cart", "cart_1", "customer", "cus_a"),
        ("cart", "cart_2", "customer", None),
        ("order", "order_2", "region", "reg_us"),
        ("order", "order_1", "customer", "cus_a"),
        ("order", "order_2", "customer", None),
        ("payment", "pay_1", "payment_collection", "pc_1"),
        ("order_claim", "claim_1", "order", "order_1"),
    ],
)
async def test_single_valued_fields_give_the_row_or_none(
    world: Any, entity: str, id: str, field: str, expected: str | None
) -> None:
    row = await one(world, entity, id, ["id", f"{field}.id"])
    if expected is None:
        assert row == {"id": id, field: None}
    else:
        assert row == {"id": id, field: {"id": expected}}


@pytest.mark.parametrize(
    ("entity", "id", "field", "expected"),
    [
        ("payment_provider", "pp_system_default", "regions", ["reg_eu", "reg_us"]),
        ("payment_provider", "pp_stripe_stripe", "regions", ["reg_eu"]),
        ("region", "reg_eu", "payment_providers", ["pp_stripe_stripe", "pp_system_default"]),
        ("region", "reg_us", "payment_providers", ["pp_system_default"]),  # pp_old is soft-deleted
        ("customer", "cus_a", "account_holders", ["acc_1", "acc_2"]),
        ("customer", "cus_b", "account_holders", []),
        ("order", "order_1", "payment_collections", ["pc_1", "pc_3"]),
        ("order", "order_2", "payment_collections", []),  # its only link was dismissed
        ("order_claim", "claim_1", "payment_collections", ["pc_2"]),
        ("order_exchange", "exc_1", "payment_collections", ["pc_3"]),
        ("payment_collection", "pc_1", "payment_sessions", ["ps_1a", "ps_1b"]),  # ps_1c is deleted
        ("payment_collection", "pc_3", "payment_sessions", []),
        ("payment", "pay_1", "captures", ["capt_1", "capt_2"]),
        ("order", "order_1", "claims", ["claim_1"]),
        ("cart", "cart_1", "items", ["cali_1"]),
    ],
)
async def test_list_fields_give_live_rows_or_an_empty_list(
    world: Any, entity: str, id: str, field: str, expected: list[str]
) -> None:
    row = await one(world, entity, id, ["id", f"{field}.id"])
    assert ids(row[field]) == expected


async def test_deep_paths_mix_links_and_relations(world: Any) -> None:
    row = await one(
        world,
        "customer",
        "cus_a",
        ["account_holders.provider_id"],
    )
    assert row == {
        "account_holders": [{"provider_id": "pp_system_default"}, {"provider_id": "pp_stripe_stripe"}]
    }
    row = await one(
        world,
        "order",
        "order_1",
        ["display_id", "payment_collections.payments.captures.amount", "region.name"],
    )
    assert row["display_id"] == 1
    assert row["region"] == {"name": "Europe"}
    amounts = [
        [[c["amount"] for c in p["captures"]] for p in pc["payments"]] for pc in row["payment_collections"]
    ]
    assert amounts == [[[Decimal("10"), Decimal("30")]], []]


async def test_star_selects_every_scalar_and_join_keys_stay_hidden(world: Any) -> None:
    row = await one(world, "cart", "cart_1", ["email", "region.*", "payment_collection.payment_sessions.id"])
    # region_id joined cart to region and the collection id joined it to its sessions: neither was asked for.
    assert set(row) == {"email", "region", "payment_collection"}
    assert set(row["region"]) == {"id", "name", "currency_code", "metadata", "created_at", "updated_at"}
    assert row["payment_collection"] == {"payment_sessions": [{"id": "ps_1a"}, {"id": "ps_1b"}]}


async def test_a_row_shared_by_parents_is_loaded_once_for_all_of_them(world: Any) -> None:
    result = await world.graph().graph("carts", ["id", "region.name"], pagination={"order": {"id": "ASC"}})
    assert [(r["id"], r["region"]["name"]) for r in result["data"]] == [
        ("cart_1", "Europe"),
        ("cart_2", "United States"),
        ("cart_3", "Europe"),
    ]


async def test_soft_deleted_roots_never_appear(world: Any) -> None:
    result = await world.graph().graph("payment_collection", ["id"])
    assert ids(result["data"]) == ["pc_1", "pc_2", "pc_3", "pc_4"]
    assert result["metadata"] == {"count": 4, "skip": 0, "take": None}


async def test_link_rows_are_entities_too(world: Any) -> None:
    result = await world.graph().graph(
        "order_payment_collections",
        ["order_id", "payment_collection.status", "order.display_id"],
        filters={"payment_collection": {"status": "canceled"}},
        pagination={"skip": 0, "take": 5},
    )
    # The dismissed order_2 - pc_4 row never shows.
    assert result == {
        "data": [
            {"order_id": "order_1", "payment_collection": {"status": "canceled"}, "order": {"display_id": 1}}
        ],
        "metadata": {"count": 1, "skip": 0, "take": 5},
    }
