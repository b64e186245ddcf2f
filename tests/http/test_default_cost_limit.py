"""The default cost limit (config.py, documented in the README) admits the benchmark's nested read at 100."""

from __future__ import annotations

from http_helpers import GraphQL

from paymentgraph.config import Settings

# The benchmark's nested read (bench/settings.py, issue 7): about 2,589 per collection.
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


def test_the_default_is_the_documented_one() -> None:
    assert Settings.model_fields["max_query_cost"].default == 1_000_000


async def test_the_nested_read_of_100_collections_fits_the_default(gql: GraphQL) -> None:
    data = await gql.data(NESTED_READ, {"take": 100})
    assert data["paymentCollections"]["items"] == []


async def test_the_nested_read_of_1000_collections_is_refused_by_cost(gql: GraphQL) -> None:
    error = await gql.error(NESTED_READ, {"take": 1000})
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert (error["extensions"]["limit"], error["extensions"]["maximum"]) == ("cost", 1_000_000)
