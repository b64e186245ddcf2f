"""The HTTP surface: GET queries, GET mutations refused, scalars on the wire, /health, GraphiQL, webhooks."""

from __future__ import annotations

import datetime as dt
import json

import httpx
from http_helpers import ADMIN, GraphQL
from starlette.applications import Starlette

from paymentgraph.db.session import create_engine

CREATE = """
mutation($input: CreatePaymentCollectionInput!) {
  createPaymentCollection(input: $input) { id amount currencyCode metadata createdAt completedAt }
}
"""


async def test_get_runs_a_query(client: httpx.AsyncClient) -> None:
    params = {
        "query": "query($take: Int) { regions(take: $take) { count take } }",
        "variables": '{"take": 3}',
    }
    response = await client.get("/graphql", params=params, headers=ADMIN)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"data": {"regions": {"count": 0, "take": 3}}}


async def test_get_refuses_a_mutation_and_changes_nothing(gql: GraphQL, client: httpx.AsyncClient) -> None:
    mutation = 'mutation { createRegion(input: {name: "X", currencyCode: "usd"}) { id } }'
    response = await client.get("/graphql", params={"query": mutation}, headers=ADMIN)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
    assert (await gql.data("{ regions { count } }"))["regions"]["count"] == 0


async def test_scalars_on_the_wire(gql: GraphQL) -> None:
    metadata = {"order": "A-1", "nested": {"list": [1, "two", None, True]}}
    created = (
        await gql.data(CREATE, {"input": {"currencyCode": "JPY", "amount": 1500, "metadata": metadata}})
    )["createPaymentCollection"]
    # Decimal: a string, exact, in the currency's minor unit (JPY has none).
    assert created["amount"] == "1500"
    assert created["currencyCode"] == "jpy"
    assert created["metadata"] == metadata
    created_at = dt.datetime.fromisoformat(created["createdAt"])
    assert created_at.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - created_at) < dt.timedelta(minutes=5)
    assert created["completedAt"] is None
    # A literal Decimal string in the document, and an exact comparison on the way back.
    literal = await gql.data(
        'mutation { createPaymentCollection(input: {currencyCode: "usd", amount: "0.10"}) { amount } }'
    )
    assert literal["createPaymentCollection"]["amount"] == "0.10"


async def test_decimal_refuses_floats_and_non_numbers(gql: GraphQL) -> None:
    for amount in (0.1, "abc", "1e3", "Infinity"):
        error = await gql.error(CREATE, {"input": {"currencyCode": "usd", "amount": amount}})
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", amount
    literal = await gql.error(
        'mutation { createPaymentCollection(input: {currencyCode: "usd", amount: 0.1}) { id } }'
    )
    assert literal["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_health_checks_the_database(app: Starlette, client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not configured"}

    healthy_engine = app.state.pg.engine
    unreachable = create_engine("postgresql+asyncpg://postgres@127.0.0.1:9/none", connect_args={"timeout": 2})
    app.state.pg.engine = unreachable
    try:
        response = await client.get("/health")
    finally:
        app.state.pg.engine = healthy_engine
        await unreachable.dispose()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable", "redis": "not configured"}


async def test_graphiql_is_served_with_local_assets(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "unpkg" not in page.text and "cdn" not in page.text.lower()
    for asset in (
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
        "graphiql.min.css",
    ):
        assert f"/graphql/assets/{asset}" in page.text
        served = await client.get(f"/graphql/assets/{asset}")
        assert served.status_code == 200, asset
        assert len(served.content) > 1000
    assert (await client.get("/graphql/assets/..%2Fviews.py")).status_code == 404


async def test_unknown_webhook_provider_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/hooks/payment/nope", content=json.dumps({"type": "x"}))
    assert response.status_code == 404
