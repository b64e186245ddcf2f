"""One compiled operation per (document, operationName): every request binds its own values and caller.

What a compiled operation keeps (its parse, validation, the limits' verdict per value of the variables
that decide takes, the auth verdict per scope) must never leak from one request into another: each
request here differs from the one before it in exactly one of those inputs.
"""

from __future__ import annotations

import httpx
from http_helpers import ADMIN, GraphQL
from starlette.applications import Starlette

REGIONS = "query Regions($take: Int) { regions(take: $take) { count items { id } } }"
REGION_BY_ID = "query One($id: ID!) { region(id: $id) { id } }"


async def _post(client: httpx.AsyncClient, body: dict[str, object], **headers: str) -> httpx.Response:
    return await client.post("/graphql", json=body, headers=headers)


async def test_a_document_is_compiled_once_and_bound_per_request(app: Starlette, gql: GraphQL) -> None:
    operations = app.state.operations
    before = len(operations)
    for take in (1, 2, 3):
        assert "regions" in await gql.data(REGIONS, {"take": take})
    for region_id in ("reg_missing_1", "reg_missing_2"):
        assert (await gql.data(REGION_BY_ID, {"id": region_id}))["region"] is None
    assert len(operations) == before + 2


async def test_the_limits_verdict_follows_the_variables(gql: GraphQL) -> None:
    # The same document over the take limit with one value and within it with the next: neither verdict
    # is reused for the other value.
    over = await gql.error(REGIONS, {"take": 1_000_000})
    assert over["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "regions" in await gql.data(REGIONS, {"take": 5})
    again = await gql.error(REGIONS, {"take": 1_000_000})
    assert again["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_the_auth_verdict_follows_the_caller(gql: GraphQL) -> None:
    # Admin-only root field: the admin's admission is never served to a guest, nor the guest's refusal
    # to the admin, whichever comes first.
    document = "{ paymentProviders { count } }"
    assert "paymentProviders" in await gql.data(document)
    guest = await gql.error(document, admin=False)
    assert guest["extensions"]["code"] == "UNAUTHENTICATED"
    assert "paymentProviders" in await gql.data(document)
    invalid = await gql.error(document, admin=False, headers={"Authorization": "Bearer not-a-token"})
    assert invalid["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_document_refused_for_its_text_is_refused_every_time(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    operations = app.state.operations
    before = len(operations)
    for _ in range(2):
        response = await _post(client, {"query": "{ regions { "}, **ADMIN)
        assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        invalid = await _post(client, {"query": "{ regions { nope } }"}, **ADMIN)
        assert invalid.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    # An unparsable text is not kept (a stranger cannot fill the cache with garbage worth keeping).
    assert len(operations) == before + 1


async def test_the_operation_to_run_is_chosen_by_name(client: httpx.AsyncClient) -> None:
    document = "query A { regions { count } } query B { customers { count } }"
    chosen = await _post(client, {"query": document, "operationName": "A"}, **ADMIN)
    assert set(chosen.json()["data"]) == {"regions"}
    other = await _post(client, {"query": document, "operationName": "B"}, **ADMIN)
    assert set(other.json()["data"]) == {"customers"}
    unnamed = await _post(client, {"query": document}, **ADMIN)
    assert unnamed.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    unknown = await _post(client, {"query": document, "operationName": "C"}, **ADMIN)
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_nul_in_a_variable_is_refused_per_request(gql: GraphQL) -> None:
    refused = await gql.error(REGION_BY_ID, {"id": "reg_\u0000"})
    assert refused["extensions"]["code"] == "INVALID_DATA"
    assert (await gql.data(REGION_BY_ID, {"id": "reg_clean"}))["region"] is None
