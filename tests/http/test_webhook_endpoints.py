"""Merchant webhook endpoints over GraphQL: admin CRUD, what a URL and event names may be, the
server-side request forgery guard (at creation and again at sending), reach, and the secret shown once."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from http_helpers import ADMIN_TOKEN, GraphQL
from test_webhook_deliveries import COLLECTION, CREATE_ENDPOINT, deliveries, endpoint, until
from webhook_receiver import Receiver

from paymentgraph.app import create_app
from paymentgraph.config import Settings
from paymentgraph.errors import ErrorCode
from paymentgraph.events.outbox import EVENT_NAMES

PUBLIC_URL = "https://93.184.215.14/hooks"  # a public address, never contacted (no event is listed)
ENDPOINTS = "{ webhookEndpoints { id url events description isEnabled createdAt deliveries { id } } }"
UPDATE = """
mutation ($id: ID!, $input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(id: $id, input: $input) { id url events description isEnabled createdAt }
}
"""
DELETE = "mutation ($id: ID!) { deleteWebhookEndpoint(id: $id) { id deleted } }"
REDELIVER = 'mutation { redeliverEvent(endpointId: "whep_x", eventId: "evt_x") { id } }'
ALLOW = "PAYMENTGRAPH_WEBHOOK_ALLOW_PRIVATE_URLS=true"


def create(url: str, events: list[str] | None = None, description: str | None = None) -> dict[str, Any]:
    return {"input": {"url": url, "events": events or ["payment.captured"], "description": description}}


async def test_an_admin_creates_lists_updates_and_deletes_an_endpoint(gql: GraphQL) -> None:
    created = await gql.data(CREATE_ENDPOINT, create(PUBLIC_URL, ["payment.captured", "payment.refunded"]))
    created = created["createWebhookEndpoint"]
    endpoint_id = created["webhookEndpoint"]["id"]
    assert endpoint_id.startswith("whep_") and created["secret"].startswith("whsec_")
    assert created["webhookEndpoint"] == {
        "id": endpoint_id,
        "url": PUBLIC_URL,
        "events": ["payment.captured", "payment.refunded"],
        "isEnabled": True,
    }

    [listed] = (await gql.data(ENDPOINTS))["webhookEndpoints"]
    assert (listed["url"], listed["description"], listed["deliveries"]) == (PUBLIC_URL, None, [])

    changes = {"events": ["*"], "description": "ERP", "isEnabled": False, "url": "http://93.184.215.14/h"}
    updated = (await gql.data(UPDATE, {"id": endpoint_id, "input": changes}))["updateWebhookEndpoint"]
    assert (updated["events"], updated["description"], updated["isEnabled"], updated["url"]) == (
        ["*"],
        "ERP",
        False,
        "http://93.184.215.14/h",
    )
    enable = {"id": endpoint_id, "input": {"isEnabled": True}}
    kept = (await gql.data(UPDATE, enable))["updateWebhookEndpoint"]
    assert (kept["events"], kept["description"], kept["isEnabled"]) == (["*"], "ERP", True)
    cleared = await gql.data(UPDATE, {"id": endpoint_id, "input": {"description": None}})
    assert cleared["updateWebhookEndpoint"]["description"] is None

    deleted = (await gql.data(DELETE, {"id": endpoint_id}))["deleteWebhookEndpoint"]
    assert deleted == {"id": endpoint_id, "deleted": True}
    assert (await gql.data(ENDPOINTS))["webhookEndpoints"] == []
    for missing in (
        await gql.error(DELETE, {"id": endpoint_id}),
        await gql.error(UPDATE, {"id": endpoint_id, "input": {"isEnabled": False}}),
    ):
        assert missing["extensions"]["code"] == ErrorCode.NOT_FOUND


async def test_unknown_event_names_are_refused_with_the_valid_ones(gql: GraphQL) -> None:
    error = await gql.error(CREATE_ENDPOINT, create(PUBLIC_URL, ["payment.captured", "payment.exploded"]))
    assert error["extensions"]["code"] == ErrorCode.INVALID_DATA
    assert "unknown event names: payment.exploded" in error["message"]
    assert all(name in error["message"] for name in EVENT_NAMES)
    empty = await gql.error(CREATE_ENDPOINT, {"input": {"url": PUBLIC_URL, "events": []}})
    assert empty["extensions"]["code"] == ErrorCode.INVALID_DATA
    endpoint_id, _ = await endpoint(gql, PUBLIC_URL, ["*"])
    refused = await gql.error(UPDATE, {"id": endpoint_id, "input": {"events": ["cart.exploded"]}})
    assert refused["extensions"]["code"] == ErrorCode.INVALID_DATA


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1",
        "https://192.168.1.20:8443/x",
        "http://[::1]:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://localhost:8000/hooks",
    ],
)
async def test_a_url_on_a_private_address_is_refused_and_the_error_says_how_to_allow_it(
    gql: GraphQL, url: str
) -> None:
    error = await gql.error(CREATE_ENDPOINT, create(url))
    assert error["extensions"]["code"] == ErrorCode.INVALID_DATA
    assert ALLOW in error["message"] and "public addresses" in error["message"]
    assert (await gql.data(ENDPOINTS))["webhookEndpoints"] == []


async def test_changing_the_url_to_a_private_address_is_refused(gql: GraphQL) -> None:
    endpoint_id, _ = await endpoint(gql, PUBLIC_URL, ["*"])
    error = await gql.error(UPDATE, {"id": endpoint_id, "input": {"url": "http://127.0.0.1:9/"}})
    assert error["extensions"]["code"] == ErrorCode.INVALID_DATA
    assert ALLOW in error["message"]


@pytest.mark.parametrize(
    "url",
    [
        "https://93.184.215.14/" + "a" * 2050,
        "ftp://93.184.215.14/hooks",
        "file:///etc/passwd",
        "93.184.215.14/hooks",
        "https://",
        "gopher://x",
    ],
)
async def test_a_url_that_is_not_http_is_refused(gql: GraphQL, url: str) -> None:
    error = await gql.error(CREATE_ENDPOINT, create(url))
    assert error["extensions"]["code"] == ErrorCode.INVALID_DATA
    assert "http:// or https://" in error["message"] or "longer than 2048" in error["message"]


async def test_the_address_is_checked_again_when_sending(database_url: str, gql: GraphQL) -> None:
    """An endpoint made while private addresses were allowed gets nothing once they are not."""
    async with Receiver() as receiver:
        allowing = create_app(
            Settings(database_url=database_url, admin_tokens=ADMIN_TOKEN, webhook_allow_private_urls=True)
        )
        transport = httpx.ASGITransport(app=allowing)
        async with (
            allowing.router.lifespan_context(allowing),
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
        ):
            endpoint_id, _ = await endpoint(GraphQL(http), receiver.url, ["payment_collection.created"])

        await gql.data(COLLECTION)  # this app does not allow private addresses

        async def attempted() -> list[dict[str, Any]]:
            found = await deliveries(gql, endpoint_id)
            return found if found and found[0]["attempts"] >= 1 else []

        [delivery] = await until(attempted)
    assert receiver.requests == []
    assert delivery["responseStatus"] is None
    assert "127.0.0.1 is a loopback address" in delivery["lastError"] and ALLOW in delivery["lastError"]
    assert delivery["status"] == "PENDING" and delivery["nextAttemptAt"] is not None  # retried later


CUSTOMER = """
mutation { registerCustomer(input: {email: "ann@example.com", password: "correct horse"}) { token } }
"""


@pytest.mark.parametrize(
    "operation",
    [
        "{ webhookEndpoints { id } }",
        'mutation { createWebhookEndpoint(input: {url: "https://93.184.215.14/", events: ["*"]}) { secret } }',  # noqa: E501
        'mutation { updateWebhookEndpoint(id: "whep_x", input: {isEnabled: false}) { id } }',
        'mutation { deleteWebhookEndpoint(id: "whep_x") { deleted } }',
        REDELIVER,
    ],
)
async def test_guests_and_customers_cannot_reach_webhook_endpoints(gql: GraphQL, operation: str) -> None:
    guest = await gql.error(operation, admin=False)
    assert guest["extensions"]["code"] == ErrorCode.UNAUTHENTICATED
    token = (await gql.data(CUSTOMER, admin=False))["registerCustomer"]["token"]
    customer = await gql.error(operation, admin=False, headers={"Authorization": f"Bearer {token}"})
    assert customer["extensions"]["code"] == ErrorCode.FORBIDDEN
    assert (await gql.data(ENDPOINTS))["webhookEndpoints"] == []  # nothing was created


async def test_the_secret_is_shown_only_when_the_endpoint_is_created(gql: GraphQL) -> None:
    created = (await gql.data(CREATE_ENDPOINT, create(PUBLIC_URL)))["createWebhookEndpoint"]
    secret, endpoint_id = created["secret"], created["webhookEndpoint"]["id"]
    assert len(secret) > 40
    read = await gql.post(ENDPOINTS)
    updated = await gql.post(UPDATE, {"id": endpoint_id, "input": {"description": "x"}})
    assert secret not in json.dumps(read) and secret not in json.dumps(updated)
    asked = await gql.error("{ webhookEndpoints { secret } }")
    assert asked["extensions"]["code"] == ErrorCode.GRAPHQL_VALIDATION_FAILED
