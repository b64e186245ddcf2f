"""A seventh link definition works in the link service with no code change, only registry data."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import MetaData

from paymentgraph.errors import Conflict, NotFound
from paymentgraph.links.definition import LinkDefinition, LinkEnd
from paymentgraph.links.registry import default_registry
from paymentgraph.links.service import LinkService

# A customer may shop in many regions; a region has one "home" customer (single-valued end).
CUSTOMER_REGION = LinkDefinition(
    table_name="customer_home_region",
    id_prefix="cusreg",
    left=LinkEnd(module="customer", entity="customer", key="customer_id", field="customer"),
    right=LinkEnd(module="region", entity="region", key="region_id", field="regions", many=True),
)


@pytest.fixture
async def link(pg: Any) -> LinkService:
    registry = default_registry().with_links(CUSTOMER_REGION, metadata=MetaData())
    table = registry.link_tables[CUSTOMER_REGION.table_name]
    async with pg.engine.begin() as conn:
        await conn.run_sync(lambda sync: table.create(sync, checkfirst=True))
    return LinkService(pg.sessionmaker, registry)


async def test_added_link_creates_lists_and_dismisses(pg: Any, link: LinkService) -> None:
    ann = await pg.customer.create_customers({"email": "ann@example.com"})
    bob = await pg.customer.create_customers({"email": "bob@example.com"})
    eu, us = await pg.region.create_regions(
        [{"name": "EU", "currency_code": "eur"}, {"name": "US", "currency_code": "usd"}]
    )

    row = await link.create({"region": {"region_id": eu.id}, "customer": {"customer_id": ann.id}})
    assert row["id"].startswith("cusreg_")
    await link.create_link("CustomerHomeRegion", ann.id, us.id)  # the customer end is many-valued
    rows = await link.list({"customer": {"customer_id": ann.id}, "region": {"region_id": None}})
    assert sorted(r["region_id"] for r in rows) == sorted([eu.id, us.id])

    with pytest.raises(Conflict):  # the region end is single-valued
        await link.create_link("CustomerHomeRegion", bob.id, eu.id)
    with pytest.raises(NotFound):
        await link.create_link("customer_home_region", "cus_missing", eu.id)

    assert await link.dismiss_link("CustomerHomeRegion", ann.id, eu.id) is True
    await link.create_link("CustomerHomeRegion", bob.id, eu.id)
    removed = await link.delete({"customer": {"customer_id": [bob.id]}})
    assert list(removed) == ["customer_home_region"] and len(removed["customer_home_region"]) == 1
    assert await link.list({"customer": {"customer_id": bob.id}, "region": {"region_id": None}}) == []
