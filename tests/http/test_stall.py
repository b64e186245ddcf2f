"""A server a stranger cannot stall: fragment explosions and documents that validation cannot handle are
refused before any work that grows faster than the document, while /health keeps answering."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from graphql import parse
from http_helpers import ADMIN_TOKEN, GraphQL

from paymentgraph.app import create_app
from paymentgraph.config import Settings
from paymentgraph.schema import create_schema
from paymentgraph.schema.limits import measure

DEFAULTS = Settings()


def _explosion(levels: int, fragment_type: str, leaf: str, spread: str, operation: str) -> str:
    """``fragment F1 on T { ...F0 ...F0 }`` .. ``F<levels>``: 2^levels copies of ``leaf`` in ~1 KB."""
    fragments = [f"fragment F0 on {fragment_type} {{ {leaf} }}"]
    for level in range(1, levels + 1):
        fragments.append(f"fragment F{level} on {fragment_type} {{ {spread.format(f'F{level - 1}')} }}")
    return operation.format(f"...F{levels}") + "\n" + "\n".join(fragments)


CART = 'query {{ cart(id: "cart_x") {{ {} }} }}'
VARIANTS: dict[str, Callable[[int], str]] = {
    "spreads": lambda n: _explosion(n, "Cart", "id", "...{0} ...{0}", CART),
    "inline fragments": lambda n: _explosion(
        n, "Cart", "id", "... on Cart {{ ...{0} }} ... {{ ...{0} }}", CART
    ),
    "aliases": lambda n: _explosion(n, "Cart", "a: id b: total", "...{0} ...{0}", CART),
    "nested lists": lambda n: _explosion(
        n,
        "Payment",
        "id captures { id amount } refunds { id }",
        "...{0} ...{0}",
        "query {{ paymentCollections(take: 5) {{ items {{ payments {{ {} }} }} }} }}",
    ),
    "mutation": lambda n: _explosion(
        n, "Cart", "id", "...{0} ...{0}", 'mutation {{ createCart(input: {{regionId: "reg_x"}}) {{ {} }} }}'
    ),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_walker_work_grows_linearly_with_the_document(variant: str) -> None:
    schema = create_schema()._schema
    visited = []
    for levels in (4, 8, 16, 24):
        document = parse(VARIANTS[variant](levels))
        found = measure(schema, document, None, None)
        visited.append(found.visited)
        # What it measured still counts every spread: the document asks for 2^levels leaves.
        assert found.cost >= 2**levels
    # Each level (one fragment) adds the same number of visited nodes: linear, not 2^levels.
    steps = {(visited[1] - visited[0]) / 4, (visited[2] - visited[1]) / 8, (visited[3] - visited[2]) / 8}
    assert len(steps) == 1, visited
    assert visited[-1] < 10 * 24


@pytest.mark.parametrize("variant", sorted(VARIANTS))
async def test_fragment_explosions_are_refused_while_health_answers(
    client: httpx.AsyncClient, gql: GraphQL, variant: str
) -> None:
    document = VARIANTS[variant](24)
    assert len(document.encode()) < 2048
    for admin in (True, False):
        refused, health = await asyncio.gather(gql.error(document, admin=admin), client.get("/health"))
        assert refused["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        assert refused["extensions"]["limit"] in {"fieldRepeats", "aliases", "nesting"}
        assert health.status_code == 200


async def test_repeated_fields_are_counted_through_repeated_parents(gql: GraphQL) -> None:
    inner = "paymentCollection { " + " ".join(["id"] * 8) + " }"
    allowed = '{ cart(id: "cart_x") { ' + " ".join([inner] * 6) + " } }"  # id merged 48 times
    assert await gql.data(allowed) == {"cart": None}
    refused = '{ cart(id: "cart_x") { ' + " ".join([inner] * 7) + " } }"  # 56
    error = await gql.error(refused)
    assert error["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "limit": "fieldRepeats",
        "value": 56,
        "maximum": DEFAULTS.max_field_repeats,
    }
    assert "PAYMENTGRAPH_MAX_FIELD_REPEATS" in error["message"]


async def test_nesting_through_fragments_is_limited(gql: GraphQL) -> None:
    levels = 250  # deeper than graphql-core validates (200)
    chain = "\n".join(f"fragment F{i} on Cart {{ ...F{i - 1} }}" for i in range(1, levels))
    document = f'{{ cart(id: "cart_x") {{ ...F{levels - 1} }} }}\nfragment F0 on Cart {{ id }}\n{chain}'
    error = await gql.error(document)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["limit"] == "nesting"
    assert error["extensions"]["maximum"] == DEFAULTS.max_query_nesting
    assert "PAYMENTGRAPH_MAX_QUERY_NESTING" in error["message"]
    # Fragments the operation does not use count too: validation walks them (and gives up past 200).
    unused = f'{{ cart(id: "cart_x") {{ id }} }}\nfragment F0 on Cart {{ id }}\n{chain}'
    assert (await gql.error(unused))["extensions"]["limit"] == "nesting"
    # A cycle of fragments is measured without looping and refused by validation.
    cycle = '{ cart(id: "cart_x") { ...A } } fragment A on Cart { id ...B } fragment B on Cart { ...A }'
    assert (await gql.error(cycle))["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_validation_that_stops_early_says_why(gql: GraphQL) -> None:
    document = "{ " + " ".join(f"nope{i}" for i in range(120)) + " }"
    body = await gql.post(document)
    assert len(body["errors"]) == 101
    assert {e["extensions"]["code"] for e in body["errors"]} == {"GRAPHQL_VALIDATION_FAILED"}
    assert "Validation aborted" not in body["errors"][-1]["message"]
    assert "100" in body["errors"][-1]["message"]


@pytest.fixture
async def lax_gql(database_url: str) -> AsyncIterator[GraphQL]:
    """A server whose operator raised the repeat limit as far as it goes."""
    settings = Settings(database_url=database_url, admin_tokens=ADMIN_TOKEN, max_field_repeats=1000)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield GraphQL(http)


async def test_validation_that_gives_up_names_the_limits_to_change(lax_gql: GraphQL) -> None:
    # graphql-core's overlapping-fields rule gives up ("Validation aborted.") on a field repeated 1000
    # times; the default repeat limit refuses such a document before validation.
    document = '{ cart(id: "cart_x") { ' + " ".join(["id"] * 1000) + " } }"
    error = await lax_gql.error(document)
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "validation"}
    assert "PAYMENTGRAPH_MAX_FIELD_REPEATS" in error["message"]
