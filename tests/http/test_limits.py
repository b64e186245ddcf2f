"""Query limits over HTTP (the default settings): each refusal says which limit and by how much."""

from __future__ import annotations

from http_helpers import GraphQL

from paymentgraph.config import Settings

DEFAULTS = Settings()


def _nested(depth: int) -> str:
    """A query ``depth`` fields deep: paymentCollection > payments > paymentCollection > ... > id."""
    inner = "id"
    for level in range(depth - 2, 0, -1):
        inner = f"{'payments(take: 1)' if level % 2 else 'paymentCollection'} {{ {inner} }}"
    return f'{{ paymentCollection(id: "pay_col_x") {{ {inner} }} }}'


async def test_depth(gql: GraphQL) -> None:
    allowed = await gql.post(_nested(DEFAULTS.max_query_depth))
    assert allowed == {"data": {"paymentCollection": None}}
    error = await gql.error(_nested(DEFAULTS.max_query_depth + 1))
    assert error["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "limit": "depth",
        "value": DEFAULTS.max_query_depth + 1,
        "maximum": DEFAULTS.max_query_depth,
    }
    assert "deep" in error["message"]


async def test_aliases(gql: GraphQL) -> None:
    many = " ".join(f"r{i}: regions(take: 1) {{ count }}" for i in range(DEFAULTS.max_aliases + 1))
    error = await gql.error(f"{{ {many} }}")
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["limit"] == "aliases"
    assert error["extensions"]["value"] == DEFAULTS.max_aliases + 1


async def test_cost_multiplies_nested_lists_by_their_take(gql: GraphQL) -> None:
    small = "{ paymentCollections(take: 10) { items { id payments(take: 5) { captures { id } } } } }"
    assert (await gql.data(small))["paymentCollections"] is not None
    big = "{ paymentCollections(take: 1000) { items { id payments(take: 100) { captures { id amount } } } } }"
    error = await gql.error(big)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["limit"] == "cost"
    assert error["extensions"]["maximum"] == DEFAULTS.max_query_cost
    assert error["extensions"]["value"] > 1000 * 100 * 20
    assert "take" in error["message"]


async def test_take_is_capped_literal_and_variable(gql: GraphQL) -> None:
    error = await gql.error("{ paymentCollections(take: 1001) { count } }")
    assert error["extensions"]["limit"] == "take"
    assert error["extensions"]["value"] == 1001
    assert "1000" in error["message"]
    error = await gql.error(
        "query($take: Int) { regions { items { paymentProviders { id } } } "
        "paymentCollections(take: $take) { count } }",
        {"take": 5000},
    )
    assert (error["extensions"]["limit"], error["extensions"]["value"]) == ("take", 5000)
    assert (await gql.data("{ paymentCollections(take: 1000) { count } }"))["paymentCollections"][
        "count"
    ] == 0


async def test_document_size(gql: GraphQL) -> None:
    padding = "#" + "x" * DEFAULTS.max_document_bytes + "\n"
    error = await gql.error(padding + "{ __typename }")
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["limit"] == "documentBytes"
    assert error["extensions"]["maximum"] == DEFAULTS.max_document_bytes


async def test_limits_apply_in_the_store_scope_too(gql: GraphQL) -> None:
    deep = _nested(DEFAULTS.max_query_depth + 1).replace(
        '{ paymentCollection(id: "pay_col_x") {', '{ cart(id: "cart_x") { paymentCollection {', 1
    )
    error = await gql.error(deep[:-1] + "} }", admin=False)
    assert (error["extensions"]["code"], error["extensions"]["limit"]) == ("QUERY_TOO_COMPLEX", "depth")
    assert error["extensions"]["value"] == DEFAULTS.max_query_depth + 2


async def test_a_variable_default_take_is_capped_too(gql: GraphQL) -> None:
    error = await gql.error("query($take: Int = 2000) { paymentCollections(take: $take) { count } }")
    assert (error["extensions"]["limit"], error["extensions"]["value"]) == ("take", 2000)
