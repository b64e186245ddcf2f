"""One nested GraphQL query costs the same number of SQL statements at 5 and at 50 root rows."""

from __future__ import annotations

from typing import Any

NESTED = """
{
  paymentCollections(take: 100, orderBy: [{createdAt: ASC}]) {
    count
    items {
      id amount status
      cart { id email region { name } items { id } }
      order { id }
      paymentSessions(take: 1, orderBy: [{createdAt: DESC}]) { id status }
      payments { id amount captures { id amount } refunds { id amount } paymentSession { id } }
    }
  }
}
"""


async def test_statement_count_does_not_grow_with_rows(
    pg: Any, seed: Any, seed_more: Any, execute: Any, count_statements: Any
) -> None:
    await seed(collections=5)
    counter = count_statements(pg.engine)
    small = await execute(NESTED)
    at_5 = counter.count
    assert len(small["paymentCollections"]["items"]) == 5

    await seed_more(45, prefix="x")
    counter.reset()
    large = await execute(NESTED)
    assert len(large["paymentCollections"]["items"]) == 50
    assert all(len(i["payments"][0]["captures"]) == 2 for i in large["paymentCollections"]["items"])
    assert counter.count == at_5
    # root + count + one per relation path (cart, region, items, order, sessions, payments, captures, refunds,
    # payment session): never one per row.
    assert at_5 <= 11
