"""The HTTP transport as the GraphQL over HTTP specification has it: content types, BAD_REQUEST, Accept,
CORS, and input paths spelled as the API spells them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
from http_helpers import ADMIN, ADMIN_TOKEN, GraphQL

from paymentgraph.app import create_app
from paymentgraph.config import Settings

QUERY = orjson.dumps({"query": "{ regions(take: 1) { count } }"})
GRAPHQL_RESPONSE = "application/graphql-response+json"


def _code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"]
)
async def test_json_bodies_are_accepted(client: httpx.AsyncClient, content_type: str) -> None:
    response = await client.post("/graphql", content=QUERY, headers={**ADMIN, "Content-Type": content_type})
    assert response.status_code == 200
    assert response.json() == {"data": {"regions": {"count": 0}}}


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "application/json; charset=latin-1",
        "application/graphql",
    ],
)
async def test_a_body_that_is_not_json_is_415_and_runs_nothing(
    client: httpx.AsyncClient, gql: GraphQL, content_type: str
) -> None:
    # Browsers send text/plain, form and multipart bodies cross-site without asking the server first.
    mutation = orjson.dumps(
        {"query": 'mutation { createRegion(input: {name: "Sneaky", currencyCode: "EUR"}) { id } }'}
    )
    response = await client.post(
        "/graphql", content=mutation, headers={**ADMIN, "Content-Type": content_type}
    )
    assert response.status_code == 415
    assert _code(response) == "BAD_REQUEST"
    assert "data" not in response.json()
    assert (await gql.data("{ regions { count } }"))["regions"]["count"] == 0


async def test_a_post_without_a_content_type_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", content=QUERY, headers=ADMIN)
    assert "content-type" not in response.request.headers
    assert 400 <= response.status_code < 500
    assert _code(response) == "BAD_REQUEST"


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'[{"query": "{ __typename }"}]',  # a batch
        b'{"variables": {}}',  # no query
        b'{"query": "   "}',
        b'{"query": 42}',
        b'{"query": "{ __typename }", "variables": "x"}',
        b'{"query": "{ __typename }", "operationName": 1}',
        b'{"query": "{ __typename }", "extensions": []}',
    ],
)
async def test_requests_that_are_not_graphql_are_bad_request(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert _code(response) == "BAD_REQUEST"


async def test_an_oversized_body_is_413_bad_request(client: httpx.AsyncClient) -> None:
    body = orjson.dumps({"query": "{ __typename }", "variables": {"pad": "x" * (2 * 1024 * 1024)}})
    response = await client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert _code(response) == "BAD_REQUEST"


async def test_graphql_response_json_is_answered_in_kind(client: httpx.AsyncClient) -> None:
    accept = {**ADMIN, "Accept": GRAPHQL_RESPONSE}
    ok = await client.post("/graphql", json={"query": "{ regions { count } }"}, headers=accept)
    assert (ok.status_code, ok.headers["content-type"]) == (200, GRAPHQL_RESPONSE)
    assert ok.json() == {"data": {"regions": {"count": 0}}}
    # Parse and validation failures, guards and variables that do not coerce: 400 without data.
    for body in (
        {"query": "{ regions("},
        {"query": "{ regions { nope } }"},
        {"query": "{ regions(take: 5000) { count } }"},
        {"query": "query($t: Int) { regions(take: $t) { count } }", "variables": {"t": "many"}},
    ):
        refused = await client.post("/graphql", json=body, headers=accept)
        assert (refused.status_code, refused.headers["content-type"]) == (400, GRAPHQL_RESPONSE), body
        assert "data" not in refused.json()
        assert refused.json()["errors"]
    # A field error is a GraphQL result: 200 with data.
    executed = await client.post(
        "/graphql",
        json={"query": 'mutation { completePaymentCollection(id: "pay_col_x") { id } }'},
        headers=accept,
    )
    assert executed.status_code == 200
    assert "data" in executed.json()
    assert executed.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # A transport error keeps its status and takes the media type asked for.
    bad = await client.post("/graphql", content=b"{", headers={"Content-Type": "application/json", **accept})
    assert (bad.status_code, bad.headers["content-type"], _code(bad)) == (
        400,
        GRAPHQL_RESPONSE,
        "BAD_REQUEST",
    )


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE};q=0.5", "application/json"),
        (f"{GRAPHQL_RESPONSE};q=0", "application/json"),
    ],
)
async def test_accept_chooses_the_media_type(client: httpx.AsyncClient, accept: str, media_type: str) -> None:
    response = await client.post("/graphql", json={"query": "{ regions("}, headers={"Accept": accept})
    assert response.headers["content-type"] == media_type
    # The legacy media type answers every GraphQL result with 200 (and data).
    assert response.status_code == (400 if media_type == GRAPHQL_RESPONSE else 200)


async def test_input_paths_are_camel_case(gql: GraphQL) -> None:
    region = await gql.data('mutation { createRegion(input: {name: "Paths", currencyCode: "EUR"}) { id } }')
    error = await gql.error(
        "mutation($r: ID!) { createCart(input: {regionId: $r, items: "
        '[{title: "Lamp", quantity: 1, unitPrice: "1.005"}]}) { id } }',
        {"r": region["createRegion"]["id"]},
    )
    assert error["extensions"]["code"] == "INVALID_DATA"
    assert error["extensions"]["field"] == "items[0].unitPrice"
    assert "unit_price" not in error["message"]


@pytest.fixture
async def cors_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=database_url,
        admin_tokens=ADMIN_TOKEN,
        cors_origins="https://shop.example, http://127.0.0.1:5173/",
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def test_cors_lets_configured_origins_call_the_api(cors_client: httpx.AsyncClient) -> None:
    preflight = await cors_client.options(
        "/graphql",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://shop.example"
    allowed = {h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    response = await cors_client.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"Origin": "http://127.0.0.1:5173", "X-Request-Id": "req-cors"},
    )
    assert response.headers["access-control-allow-origin"] == "http://127.0.0.1:5173"
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert exposed == {"idempotency-key", "idempotent-replayed", "x-request-id"}
    assert response.headers["x-request-id"] == "req-cors"


async def test_cors_refuses_other_origins(cors_client: httpx.AsyncClient) -> None:
    preflight = await cors_client.options(
        "/graphql",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    response = await cors_client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in response.headers


async def test_no_cors_by_default(client: httpx.AsyncClient) -> None:
    preflight = await client.options(
        "/graphql", headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers
    response = await client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": "https://shop.example"}
    )
    assert "access-control-allow-origin" not in response.headers


def test_an_origin_must_be_an_origin() -> None:
    with pytest.raises(ValueError, match="not an origin"):
        Settings(cors_origins="https://shop.example/checkout")
