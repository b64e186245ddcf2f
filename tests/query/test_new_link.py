"""A link definition added to a registry is queryable (fields, filters, ordering) with no other change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData

from paymentgraph.links.definition import LinkDefinition, LinkEnd
from paymentgraph.links.registry import default_registry

CUSTOMER_PAYMENT_COLLECTION = LinkDefinition(
    table_name="customer_payment_collection",
    id_prefix="cuspaycol",
    left=LinkEnd(module="customer", entity="customer", key="customer_id", field="customer"),
    right=LinkEnd(
        module="payment",
        entity="payment_collection",
        key="payment_collection_id",
        field="payment_collections",
        many=True,
    ),
)


async def test_a_new_link_gets_fields_and_filters_both_ways(world: Any) -> None:
    link_metadata = MetaData()
    registry = default_registry().with_links(CUSTOMER_PAYMENT_COLLECTION, metadata=link_metadata)
    table = registry.link_table(CUSTOMER_PAYMENT_COLLECTION)
    async with world.engine.begin() as conn:
        await conn.run_sync(table.create)
    try:
        await world.insert(
            "customer_payment_collection",
            {"id": "cuspaycol_1", "customer_id": "cus_a", "payment_collection_id": "pc_2"},
            {"id": "cuspaycol_2", "customer_id": "cus_a", "payment_collection_id": "pc_4"},
            {"id": "cuspaycol_3", "customer_id": "cus_b", "payment_collection_id": "pc_3"},
            registry=registry,
        )
        graph = world.graph(registry)

        customers = await graph.graph(
            "customers", ["id", "payment_collections.id"], pagination={"order": {"id": "ASC"}}
        )
        assert customers["data"] == [
            {"id": "cus_a", "payment_collections": [{"id": "pc_2"}, {"id": "pc_4"}]},
            {"id": "cus_b", "payment_collections": [{"id": "pc_3"}]},
        ]

        collections = await graph.graph(
            "payment_collection",
            ["id", "customer.first_name", "cart.email"],
            filters={"customer": {"email": {"$like": "%@x.com"}}},
            pagination={"skip": 0, "take": 10, "order": {"customer": {"first_name": "DESC"}, "id": "DESC"}},
        )
        assert collections == {
            "data": [
                {"id": "pc_4", "customer": {"first_name": "Ann"}, "cart": None},
                {"id": "pc_2", "customer": {"first_name": "Ann"}, "cart": {"email": "zed@z.com"}},
            ],
            "metadata": {"count": 2, "skip": 0, "take": 10},
        }
    finally:
        async with world.engine.begin() as conn:
            await conn.run_sync(table.drop)
