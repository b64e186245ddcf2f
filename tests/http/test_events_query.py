"""The admin ``events(filter, skip, take)`` query: the outbox's events, newest first."""

from __future__ import annotations

from http_helpers import GraphQL

from paymentgraph.errors import ErrorCode

EVENTS = """
query ($filter: EventFilter, $skip: Int, $take: Int) {
  events(filter: $filter, skip: $skip, take: $take) { count skip take items { id name data createdAt } }
}
"""
CREATE = 'mutation { createPaymentCollection(input: {currencyCode: "usd", amount: "12.50"}) { id } }'


async def test_events_lists_newest_first_with_filters_and_pages(gql: GraphQL) -> None:
    first = (await gql.data(CREATE))["createPaymentCollection"]["id"]
    second = (await gql.data(CREATE))["createPaymentCollection"]["id"]

    page = (await gql.data(EVENTS))["events"]
    assert (page["count"], page["skip"], page["take"]) == (2, 0, 20)
    assert [(e["name"], e["data"]["id"]) for e in page["items"]] == [
        ("payment_collection.created", second),
        ("payment_collection.created", first),
    ]
    assert all(e["id"].startswith("evt_") for e in page["items"])

    paged = (await gql.data(EVENTS, {"skip": 1, "take": 1}))["events"]
    assert [e["data"]["id"] for e in paged["items"]] == [first]
    none = await gql.data(EVENTS, {"filter": {"name": {"eq": "payment.captured"}}})
    assert none["events"] == {"count": 0, "skip": 0, "take": 20, "items": []}


async def test_events_are_for_admins_only(gql: GraphQL) -> None:
    error = await gql.error(EVENTS, admin=False)
    assert error["extensions"]["code"] == ErrorCode.UNAUTHENTICATED
