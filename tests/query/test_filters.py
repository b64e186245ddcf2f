"""Filters: Medusa's operators on own fields, and filters reaching across relations and links (EXISTS)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from paymentgraph.errors import InvalidData


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows]


async def collection_ids(world: Any, filters: dict[str, Any]) -> list[str]:
    result = await world.graph().graph("payment_collection", ["id"], filters=filters)
    return ids(result["data"])


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "not_paid"}, ["pc_2", "pc_4"]),
        ({"status": ["authorized", "canceled"]}, ["pc_1", "pc_3"]),
        ({"status": {"$ne": "not_paid"}}, ["pc_1", "pc_3"]),
        ({"status": {"$nin": ["not_paid", "canceled"]}}, ["pc_1"]),
        ({"amount": {"$gt": "15.5"}}, ["pc_1", "pc_2"]),
        ({"amount": {"$gte": "15.5", "$lt": 100}}, ["pc_1", "pc_3"]),
        ({"amount": {"$lte": Decimal("7.00")}}, ["pc_4"]),
        ({"amount": "40"}, ["pc_1"]),  # 40 equals the stored 40.00
        ({"created_at": {"$gte": "2026-01-01T12:20:00+00:00"}}, ["pc_2", "pc_3", "pc_4"]),
        ({"created_at": {"$lt": "2026-01-01T12:20:00"}}, ["pc_1"]),  # naive means UTC
        ({"currency_code": {"$like": "e%"}}, ["pc_1", "pc_3"]),
        ({"currency_code": {"$like": "E%"}}, ["pc_1", "pc_3"]),  # stored lower-case, matched so too
        ({"id": {"$like": "PC_%"}}, []),  # like is case-sensitive on SQLite too, as on PostgreSQL
        ({"currency_code": "EUR"}, ["pc_1", "pc_3"]),  # currency codes are stored and matched lower-case
        ({"currency_code": {"$in": ["Eur", "GBP"]}}, ["pc_1", "pc_3"]),
        ({"id": {"$ilike": "PC_%"}}, ["pc_1", "pc_2", "pc_3", "pc_4"]),
        ({"completed_at": {"$is_null": True}}, ["pc_1", "pc_2", "pc_3", "pc_4"]),
        ({"completed_at": {"$is_null": False}}, []),
        ({"status": {"$not": {"$in": ["not_paid"]}}}, ["pc_1", "pc_3"]),
        ({"$or": [{"status": "canceled"}, {"amount": {"$lt": 10}}]}, ["pc_3", "pc_4"]),
        ({"$and": [{"currency_code": "eur"}, {"status": "canceled"}]}, ["pc_3"]),
        ({"$not": {"currency_code": "eur"}}, ["pc_2", "pc_4"]),
        ({"status": {"$in": []}}, []),
    ],
)
async def test_operators_on_own_fields(world: Any, filters: dict[str, Any], expected: list[str]) -> None:
    assert await collection_ids(world, filters) == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # stored links, from the payment side
        ({"cart": {"email": {"$ilike": "%@X.COM"}}}, ["pc_1"]),
        ({"cart": {"region": {"name": "United States"}}}, ["pc_2"]),  # link, then read-only link
        ({"order": {"display_id": 1}}, ["pc_1", "pc_3"]),
        ({"claim": {"type": "refund"}}, ["pc_2"]),
        ({"exchange": {"order_id": "order_1"}}, ["pc_3"]),
        ({"cart": None}, ["pc_3", "pc_4"]),  # no live cart link
        # in-module relations, several levels down
        ({"payment_sessions": {"provider_id": "pp_stripe_stripe"}}, ["pc_1", "pc_2"]),
        ({"payments": {"captures": {"amount": {"$gte": 30}}}}, ["pc_1"]),
        # $and / $or / $not across links
        ({"$or": [{"cart": {"email": "zed@z.com"}}, {"exchange": {"id": "exc_1"}}]}, ["pc_2", "pc_3"]),
        ({"$and": [{"order": {"id": "order_1"}}, {"payment_sessions": {"status": "authorized"}}]}, ["pc_1"]),
        ({"$not": {"order": {"id": "order_1"}}}, ["pc_2", "pc_4"]),
        ({"order": {"$not": {"display_id": 2}}}, ["pc_1", "pc_3"]),
        ({"payment_sessions": {"status": "pending"}, "cart": {"email": {"$like": "%z.com"}}}, ["pc_2"]),
    ],
)
async def test_filters_reach_across_links_and_relations(
    world: Any, filters: dict[str, Any], expected: list[str]
) -> None:
    assert await collection_ids(world, filters) == expected


async def test_soft_deleted_related_rows_and_link_rows_never_match(world: Any) -> None:
    # ps_1c (pending, stripe) is deleted; pc_1 has no other pending session.
    assert await collection_ids(world, {"payment_sessions": {"status": "pending"}}) == ["pc_2"]
    # cart_3 is linked to pc_3 only through a dismissed link row.
    assert await collection_ids(world, {"cart": {"id": "cart_3"}}) == []
    graph = world.graph()
    regions = await graph.graph("region", ["id"], filters={"payment_providers": {"id": "pp_old"}})
    assert regions["data"] == []


async def test_filters_from_the_other_side_of_each_link(world: Any) -> None:
    graph = world.graph()

    async def matching(entity: str, filters: dict[str, Any]) -> list[str]:
        return ids((await graph.graph(entity, ["id"], filters=filters))["data"])

    assert await matching("cart", {"payment_collection": {"status": "not_paid"}}) == ["cart_2"]
    assert await matching("customer", {"account_holders": {"provider_id": "pp_stripe_stripe"}}) == ["cus_a"]
    assert await matching("account_holder", {"customer": {"email": "ann@x.com"}}) == ["acc_1", "acc_2"]
    assert await matching("order", {"payment_collections": {"status": "canceled"}}) == ["order_1"]
    assert await matching("order_claim", {"payment_collections": {"amount": 100}}) == ["claim_1"]
    assert await matching("order_exchange", {"payment_collections": {"amount": 100}}) == []
    assert await matching("payment_provider", {"regions": {"name": "United States"}}) == ["pp_system_default"]
    assert await matching("cart", {"customer": {"first_name": "Bob"}}) == ["cart_3"]


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"nope": 1}, 'Unknown filter field "nope"'),
        ({"cart": {"nope": 1}}, 'Unknown filter field "nope" on cart at "cart"'),
        ({"status": {"$regex": "x"}}, 'Unknown operator "$regex"'),
        ({"metadata": {"a": 1}}, "cannot be filtered"),
        ({"amount": {"$gt": 1.5}}, "not a float"),
        ({"created_at": {"$gt": "yesterday"}}, "ISO 8601"),
        ({"$or": {"status": "x"}}, "Expected an array for $or"),
        ({"amount": {"$like": "1%"}}, "needs a text field"),
        ({"completed_at": {"$is_null": "yes"}}, "$is_null takes true or false"),
    ],
)
async def test_bad_filters_are_refused_with_a_clear_message(
    world: Any, filters: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidData) as raised:
        await collection_ids(world, filters)
    assert message in raised.value.message
