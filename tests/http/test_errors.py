"""Error codes over HTTP: domain errors keep their code and ids, anything unexpected is masked."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from http_helpers import ADMIN, GraphQL
from starlette.applications import Starlette

CREATE_COLLECTION = """
mutation($input: CreatePaymentCollectionInput!) { createPaymentCollection(input: $input) { id status } }
"""


async def test_unknown_id_is_not_found_with_the_id(gql: GraphQL) -> None:
    error = await gql.error('mutation { completePaymentCollection(id: "pay_col_missing") { id } }')
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["extensions"]["id"] == "pay_col_missing"
    assert "pay_col_missing" in error["message"]
    assert error["path"] == ["completePaymentCollection"]


async def test_amount_finer_than_the_currency_is_invalid_data(gql: GraphQL) -> None:
    error = await gql.error(CREATE_COLLECTION, {"input": {"currencyCode": "usd", "amount": "1.005"}})
    assert error["extensions"]["code"] == "INVALID_DATA"
    assert "1.005" in error["message"]
    # The same amount is exact in a currency with three decimals.
    data = await gql.data(CREATE_COLLECTION, {"input": {"currencyCode": "KWD", "amount": "1.005"}})
    assert data["createPaymentCollection"]["status"] == "NOT_PAID"


async def test_capture_above_the_authorized_amount_is_refused(gql: GraphQL) -> None:
    collection = (await gql.data(CREATE_COLLECTION, {"input": {"currencyCode": "usd", "amount": "10"}}))[
        "createPaymentCollection"
    ]
    session = await gql.data(
        "mutation($id: ID!) { createPaymentSession(paymentCollectionId: $id,"
        ' input: {providerId: "pp_system_default"}) { id } }',
        {"id": collection["id"]},
    )
    payment = await gql.data(
        "mutation($id: ID!) { authorizePaymentSession(id: $id) { id } }",
        {"id": session["createPaymentSession"]["id"]},
    )
    payment_id = payment["authorizePaymentSession"]["id"]
    error = await gql.error(
        'mutation($id: ID!) { capturePayment(paymentId: $id, amount: "10.01") { id } }', {"id": payment_id}
    )
    assert error["extensions"]["code"] == "INVALID_DATA"
    assert error["extensions"]["payment_id"] == payment_id
    # Canceling after a capture is not allowed.
    await gql.data(
        'mutation($id: ID!) { capturePayment(paymentId: $id, amount: "1") { id } }', {"id": payment_id}
    )
    error = await gql.error("mutation($id: ID!) { cancelPayment(paymentId: $id) { id } }", {"id": payment_id})
    assert error["extensions"]["code"] == "NOT_ALLOWED"


async def test_validation_errors_keep_their_message(gql: GraphQL) -> None:
    error = await gql.error("{ paymentCollection(id: 1) { id nope } }")
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "nope" in error["message"]
    syntax = await gql.error("{ paymentCollection(id: ")
    assert syntax["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "Syntax Error" in syntax["message"]


async def test_a_variable_that_does_not_coerce_is_a_validation_error(gql: GraphQL) -> None:
    error = await gql.error(CREATE_COLLECTION, {"input": {"currencyCode": "usd", "amount": "NaN"}})
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "$input" in error["message"]


async def test_an_unexpected_exception_is_masked_and_logged_with_the_request_id(
    app: Starlette, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("connection string postgres://secret@db leaked")

    app.state.pg.payment.create_payment_collections = broken
    with caplog.at_level(logging.ERROR, logger="paymentgraph.graphql"):
        response = await client.post(
            "/graphql",
            json={"query": CREATE_COLLECTION, "variables": {"input": {"currencyCode": "usd", "amount": "1"}}},
            headers={**ADMIN, "X-Request-Id": "req-123"},
        )
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-123"}
    assert "secret" not in response.text
    assert response.headers["x-request-id"] == "req-123"
    [record] = [r for r in caplog.records if r.name == "paymentgraph.graphql"]
    assert "req-123" in record.getMessage()
    assert record.exc_info is not None and "secret" in str(record.exc_info[1])


async def test_malformed_requests_are_400(client: httpx.AsyncClient) -> None:
    bad_json = await client.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad_json.status_code == 400
    assert bad_json.json()["errors"][0]["message"] == "The request body is not valid JSON"
    no_query = await client.post("/graphql", json={"variables": {}})
    assert no_query.status_code == 400
    assert "No GraphQL query" in no_query.json()["errors"][0]["message"]
    bad_variables = await client.post("/graphql", json={"query": "{ __typename }", "variables": [1]})
    assert bad_variables.status_code == 400


async def test_a_bug_before_execution_is_masked_too(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from paymentgraph.schema import auth

    def broken(*_args: Any) -> None:
        raise TypeError("'NoneType' object is not subscriptable (internal detail)")

    monkeypatch.setattr(auth, "check", broken)
    with caplog.at_level(logging.ERROR, logger="paymentgraph.graphql"):
        response = await client.post("/graphql", json={"query": "{ regions { count } }"}, headers=ADMIN)
    [error] = response.json()["errors"]
    assert error["message"] == "Internal server error"
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "internal detail" not in response.text
    assert any("internal detail" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
