"""On the served schema, the fast execution context answers exactly as graphql-core's own does."""

from __future__ import annotations

from typing import Any

import pytest

from paymentgraph.schema.context import Context

# The benchmark's nested read (issue 7), then shapes that leave the plain path somewhere.
NESTED_READ = """
query Nested($take: Int!) {
  paymentCollections(take: $take) {
    items {
      id amount currencyCode status
      cart { id email }
      paymentSessions { id amount status providerId }
      payments { id amount capturedAmount captures { id amount } refunds { id amount } }
    }
  }
}
"""
QUERIES = [
    NESTED_READ,
    """query($take: Int!) { paymentCollections(take: $take, orderBy: [{createdAt: DESC}]) {
         count skip take __typename
         items { __typename id order { id } claim { id } cart { region { name } items { title unitPrice } }
                 first: paymentSessions(take: 1) { id } all: paymentSessions { id paymentCollection { id } }
                 payments { paymentSession { id status } refunds { note } } } } }""",
    """fragment Col on PaymentCollection { id capturedAmount metadata createdAt completedAt }
       query($take: Int!) {
         paymentCollections(take: $take) { items { ...Col ... on PaymentCollection { status } } } }""",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_same_answer_as_graphql_core(pg: Any, seed: Any, schemas: tuple[Any, Any], query: str) -> None:
    await seed(collections=6)
    stock, fast = schemas
    for take in (0, 1, 6):
        expected = await stock.execute(query, variable_values={"take": take}, context_value=Context(pg=pg))
        got = await fast.execute(query, variable_values={"take": take}, context_value=Context(pg=pg))
        assert expected.errors is None, expected.errors
        assert got.errors is None
        assert got.data == expected.data


async def test_nested_read_is_six_statements_at_any_size(
    pg: Any, seed: Any, seed_more: Any, schemas: tuple[Any, Any], count_statements: Any
) -> None:
    _, fast = schemas
    await seed(collections=3)
    await seed_more(30, prefix="x")
    counter = count_statements(pg.engine)
    counts = []
    for take in (1, 3, 33):
        counter.reset()
        result = await fast.execute(NESTED_READ, variable_values={"take": take}, context_value=Context(pg=pg))
        assert result.errors is None, result.errors
        assert len(result.data["paymentCollections"]["items"]) == take
        counts.append(counter.count)
    # root, cart (link and cart in one statement), sessions, payments, captures, refunds
    assert counts == [6, 6, 6]
