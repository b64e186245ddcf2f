"""AccountHolder.paymentMethods is asked of the holder's provider; the customer link reads both ways."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from paymentgraph.links.registry import default_registry


async def test_payment_methods_come_from_the_provider(pg: Any, execute: Any) -> None:
    registry = default_registry()
    holder = {
        "id": "acchld_1",
        "provider_id": "pp_system_default",
        "external_id": "ext_1",
        "email": "ada@example.com",
        "data": {"payment_methods": [{"id": "pm_1", "data": {"brand": "visa", "last4": "4242"}}]},
    }
    async with pg.engine.begin() as conn:
        await conn.execute(
            insert(registry.entities["customer"].table), {"id": "cus_1", "email": "ada@example.com"}
        )
        await conn.execute(insert(registry.entities["account_holder"].table), holder)
        await conn.execute(
            insert(registry.link_tables["customer_account_holder"]),
            {"id": "custacchldr_1", "customer_id": "cus_1", "account_holder_id": "acchld_1"},
        )
    data = await execute(
        """
        {
          customer(id: "cus_1") {
            accountHolders { id externalId paymentMethods { id providerId data } customer { id } }
          }
          accountHolders(filter: {customer: {email: {eq: "ada@example.com"}}}) { count items { id } }
        }
        """
    )
    [found] = data["customer"]["accountHolders"]
    assert found["id"] == "acchld_1"
    assert found["customer"] == {"id": "cus_1"}
    assert found["paymentMethods"] == [
        {"id": "pm_1", "providerId": "pp_system_default", "data": {"brand": "visa", "last4": "4242"}}
    ]
    assert data["accountHolders"] == {"count": 1, "items": [{"id": "acchld_1"}]}
