"""The integrators' entry point: ``pg.query.graph(entity=..., fields=[...], ...)`` on a PaymentGraph."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from paymentgraph.db.base import metadata


async def test_pg_query_graph_reads_what_is_in_the_tables(pg: Any) -> None:
    async with pg.engine.begin() as conn:
        await conn.execute(
            insert(metadata.tables["region"]), {"id": "reg_1", "name": "EU", "currency_code": "eur"}
        )
        await conn.execute(
            insert(pg.registry.link_tables["region_payment_provider"]),
            {"id": "regpp_1", "region_id": "reg_1", "payment_provider_id": "pp_system_default"},
        )
    result = await pg.query.graph(
        entity="regions",
        fields=["name", "payment_providers.id"],
        filters={"payment_providers": {"id": "pp_system_default"}},
        pagination={"skip": 0, "take": 10},
    )
    assert result == {
        "data": [{"name": "EU", "payment_providers": [{"id": "pp_system_default"}]}],
        "metadata": {"count": 1, "skip": 0, "take": 10},
    }
