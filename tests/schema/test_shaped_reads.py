"""Rows shaped while they load (schema/shaping.py) answer exactly as graphql-core's own completion.

The fast executor asks the query graph for rows already in the response's shape and puts them in the
response as they are. Every generated type's every column, aliases, fragments, directives and
``__typename`` are read here by the fast executor and by graphql-core's stock one, which completes
column-keyed rows field by field; the answers must be the same, errors included.
"""

from __future__ import annotations

from typing import Any

import collection_versions
import pytest
from sqlalchemy import text

from paymentgraph.schema.build import types_of
from paymentgraph.schema.context import Context
from paymentgraph.schema.queries import root_names


async def _both(pg: Any, schemas: tuple[Any, Any], query: str, **variables: Any) -> tuple[Any, Any]:
    stock, fast = schemas
    expected = await stock.execute(query, variable_values=variables, context_value=Context(pg=pg))
    got = await fast.execute(query, variable_values=variables, context_value=Context(pg=pg))
    return expected, got


def _errors(result: Any) -> list[tuple[str, Any]]:
    return [(error.message, error.path) for error in result.errors or ()]


async def test_every_column_of_every_type_reads_as_graphql_core_completes_it(
    pg: Any, seed: Any, schemas: tuple[Any, Any]
) -> None:
    await seed(collections=4)
    types = types_of(schemas[1])
    compared = 0
    for entity in types.registry.entities.values():
        type_name = types.graphql_names[entity.name]
        plan = types.plans[type_name]
        columns = [name for name, field in plan.fields.items() if field.kind == "column"]
        _, many = root_names(entity)
        # Aliases and __typename between the columns: keys and order come from the document.
        query = f"{{ {many}(take: 50) {{ items {{ __typename first: {columns[0]} {' '.join(columns)} }} }} }}"
        expected, got = await _both(pg, schemas, query)
        assert expected.errors is None, (type_name, expected.errors)
        assert got.errors is None, (type_name, got.errors)
        assert got.data == expected.data, type_name
        for got_item, expected_item in zip(
            got.data[many]["items"], expected.data[many]["items"], strict=True
        ):
            assert list(got_item) == list(expected_item), type_name  # the same keys in the same order
        compared += len(got.data[many]["items"])
    assert compared > 20  # the seeded world has rows of many types


NESTED_SHAPES = [
    # Aliases of one relation with different arguments, __typename at every level, fragments.
    """query($take: Int!) { paymentCollections(take: $take) { count items {
         __typename id amount
         recent: paymentSessions(take: 1, orderBy: [{createdAt: DESC}]) { __typename id status }
         all: paymentSessions { id amount providerId }
         payments { ...P } cart { id ... on Cart { email region { name currencyCode } } } } } }
       fragment P on Payment { id amount capturedAmount refundedAmount captures { id amount createdAt } }""",
    # @skip and @include, by variable.
    """query($take: Int!, $yes: Boolean!, $no: Boolean!) { paymentCollections(take: $take) { items {
         id amount @include(if: $yes) status @skip(if: $yes) currencyCode @include(if: $no)
         payments @skip(if: $no) { id refunds @include(if: $yes) { id amount } } } } }""",
    # A response key that is also a column's name elsewhere in the level.
    """query($take: Int!) { paymentCollections(take: $take) { items {
         amount: id id: amount status: paymentSessions { status } } } }""",
]


@pytest.mark.parametrize("query", NESTED_SHAPES)
async def test_nested_shapes_read_as_graphql_core_completes_them(
    pg: Any, seed: Any, schemas: tuple[Any, Any], query: str
) -> None:
    await seed(collections=4)
    for take in (0, 2, 10):
        expected, got = await _both(pg, schemas, query, take=take, yes=True, no=False)
        assert expected.errors is None, expected.errors
        assert got.errors is None, got.errors
        assert got.data == expected.data


async def test_one_row_by_id_reads_as_graphql_core_completes_it(
    pg: Any, seed: Any, schemas: tuple[Any, Any]
) -> None:
    world = await seed(collections=2)
    query = """query($id: ID!) { paymentCollection(id: $id) { __typename id amount status
                 sessions: paymentSessions { id amount status } cart { email region { name } } } }"""
    for id in (world.collections[0], "pay_col_missing"):
        expected, got = await _both(pg, schemas, query, id=id)
        assert expected.errors is None, expected.errors
        assert got.errors is None, got.errors
        assert got.data == expected.data


async def test_a_value_the_schema_cannot_represent_is_reported_as_graphql_core_reports_it(
    pg: Any, seed: Any, schemas: tuple[Any, Any]
) -> None:
    await seed(collections=3)
    async with pg.engine.begin() as conn:  # a status no enum value declares, written behind the schema
        if conn.dialect.name == "postgresql":
            await conn.execute(text(collection_versions.SEEDING))
        await conn.execute(
            text(
                "UPDATE payment_session SET status = 'on_hold' "
                "WHERE id IN (SELECT id FROM payment_session ORDER BY id LIMIT 1)"
            )
        )
    query = """{ paymentCollections(take: 10) { items { id paymentSessions { id status } } } }"""
    expected, got = await _both(pg, schemas, query)
    assert expected.errors, "graphql-core refuses the value"
    assert _errors(got) == _errors(expected)
    assert got.data == expected.data
