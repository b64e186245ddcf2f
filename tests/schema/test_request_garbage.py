"""A read leaves no reference cycles behind: everything it allocated is freed as it goes.

Objects in a reference cycle wait for Python's cyclic GC, and the GC frees them all at once: under load
a request that left a few hundred such objects behind made a gen-0 collection take 30-35 ms every few
hundred requests, a pause that every request and every 503 in flight waited out (bench/analysis.md).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from paymentgraph.config import Settings
from paymentgraph.schema import create_schema
from paymentgraph.schema.context import Context

NESTED_READ = """
query Nested($take: Int!, $skip: Int!) {
  paymentCollections(take: $take, skip: $skip) {
    count
    items {
      id amount status ...More
      cart { id email }
      recent: paymentSessions(take: 1) { id amount status }
      payments { id capturedAmount captures { id amount } refunds { id amount } }
    }
  }
}
fragment More on PaymentCollection { currencyCode __typename }
"""
ONE = "query($id: ID!) { paymentCollection(id: $id) { id amount paymentSessions { id } } }"


@pytest.fixture
def no_automatic_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def test_reads_leave_no_reference_cycles(pg: Any, seed: Any, no_automatic_gc: None) -> None:
    world = await seed(collections=4)
    schema = create_schema(settings=Settings())

    async def read() -> None:
        for skip in (0, 2):
            result = await schema.execute(
                NESTED_READ, variable_values={"take": 2, "skip": skip}, context_value=Context(pg=pg)
            )
            assert result.errors is None, result.errors
        result = await schema.execute(
            ONE, variable_values={"id": world.collections[0]}, context_value=Context(pg=pg)
        )
        assert result.errors is None, result.errors

    await read()  # first use: caches fill, and what they keep is not garbage
    gc.collect()
    await read()
    assert gc.collect() == 0
