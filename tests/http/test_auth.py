"""Auth over HTTP: the admin token, the store scopes, and refusals that aliases and fragments cannot dodge."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from http_helpers import GraphQL
from starlette.applications import Starlette

from paymentgraph.schema import create_schema
from paymentgraph.schema.reach import REACH_KEY, ReachTable

CONTRACT_DIR = Path(__file__).resolve().parents[2] / "contract"

STORE_CART = """
mutation($input: CreateCartInput!) { createCart(input: $input) { id currencyCode total region { id name } } }
"""


async def _cart(gql: GraphQL) -> dict[str, object]:
    region = await gql.data('mutation { createRegion(input: {name: "EU", currencyCode: "EUR"}) { id } }')
    items = [{"title": "Mug", "quantity": 2, "unitPrice": "7.50"}]
    created = await gql.data(
        STORE_CART, {"input": {"regionId": region["createRegion"]["id"], "items": items}}, admin=False
    )
    return created["createCart"]  # type: ignore[no-any-return]


def test_store_fields_are_the_ones_the_contract_marks() -> None:
    """Root fields declared for the guest or customer scope == those the contract files mark "store"."""
    marked: dict[str, set[str]] = {"Query": set(), "Mutation": set(), "Subscription": set()}
    for path in sorted(CONTRACT_DIR.glob("*.graphql")):
        current = None
        for line in path.read_text().splitlines():
            if match := re.match(r"(?:extend )?type (Query|Mutation|Subscription) \{", line):
                current = match.group(1)
            elif line.startswith("}"):
                current = None
            elif promoted := re.match(r'\s*# (Query|Mutation)\.(\w+)\(.*becomes "store"', line):
                marked[promoted.group(1)].add(promoted.group(2))
            elif current and re.search(r"#\s*store\b", line) and not line.strip().startswith("#"):
                marked[current].add(line.strip().split("(")[0].split(":")[0])
    table: ReachTable = create_schema()._schema.extensions[REACH_KEY]
    declared = {op.name.capitalize(): set(names) for op, names in table.store_roots().items() if names}
    assert declared == {root: names for root, names in marked.items() if names}


async def test_store_scope_creates_and_reads_a_cart_without_a_token(gql: GraphQL) -> None:
    cart = await _cart(gql)
    assert cart["currencyCode"] == "eur"
    assert cart["total"] == "15.00"
    read = await gql.data(
        "query($id: ID!) { cart(id: $id) { id total region { name } paymentCollection { id } } }",
        {"id": cart["id"]},
        admin=False,
    )
    assert read["cart"] == {
        "id": cart["id"],
        "total": "15.00",
        "region": {"name": "EU"},
        "paymentCollection": None,
    }


async def test_admin_field_without_a_token_is_unauthenticated_and_runs_nothing(gql: GraphQL) -> None:
    body = await gql.post(
        'mutation { createRegion(input: {name: "X", currencyCode: "usd"}) { id } }', admin=False
    )
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "createRegion" in error["message"]
    regions = await gql.data("{ regions { count } }")
    assert regions["regions"]["count"] == 0


async def test_a_wrong_token_is_unauthenticated_even_for_store_fields(gql: GraphQL) -> None:
    wrong = {"Authorization": "Bearer not-the-token"}
    for query in ('{ cart(id: "cart_x") { id } }', "{ regions { count } }"):
        error = await gql.error(query, admin=False, headers=wrong)
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
    basic = await gql.error("{ regions { count } }", admin=False, headers={"Authorization": "Basic dGVzdA=="})
    assert basic["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "query",
    [
        # An admin field aliased with a store field's name.
        '{ cart: paymentCollections { count } order(id: "order_x") { id } }',
        # Beside a store field.
        '{ cart(id: "cart_x") { id } collections: paymentCollections { count } }',
        # Behind a named fragment spread.
        '{ cart(id: "cart_x") { id } ...Everything }'
        " fragment Everything on Query { paymentCollections { count } }",
        # Behind fragments nested in an inline fragment.
        "{ ... on Query { ...Outer } } fragment Outer on Query { ...Inner }"
        " fragment Inner on Query { regions { count } }",
        # An admin mutation next to a store one.
        'mutation { createCart(input: {regionId: "reg_x"}) { id }'
        ' createRegion(input: {name: "X", currencyCode: "usd"}) { id } }',
    ],
)
async def test_admin_fields_hidden_behind_aliases_and_fragments_are_refused(gql: GraphQL, query: str) -> None:
    body = await gql.post(query, admin=False)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_introspection_needs_no_token(gql: GraphQL) -> None:
    data = await gql.data("{ __schema { queryType { name } } __typename }", admin=False)
    assert data["__schema"]["queryType"]["name"] == "Query"


async def test_store_scope_may_run_one_operation_of_a_document_with_admin_ones(gql: GraphQL) -> None:
    cart = await _cart(gql)
    document = f'query Store {{ cart(id: "{cart["id"]}") {{ id }} }} query Admin {{ regions {{ count }} }}'
    store = await gql.client.post("/graphql", json={"query": document, "operationName": "Store"})
    assert store.json() == {"data": {"cart": {"id": cart["id"]}}}
    admin = await gql.client.post("/graphql", json={"query": document, "operationName": "Admin"})
    assert admin.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_admin_token_opens_every_field(app: Starlette, client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ regions { count } }"}, headers={"Authorization": "bearer test-admin"}
    )
    assert response.json() == {"data": {"regions": {"count": 0}}}
