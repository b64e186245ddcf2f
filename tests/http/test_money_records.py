"""Money records are not rewritten: amounts as exact text, fixed once money is held, kept once it moved."""

from __future__ import annotations

import json
from typing import Any

import httpx
from http_helpers import ADMIN, GraphQL

CREATE = """mutation($input: CreatePaymentCollectionInput!) {
  createPaymentCollection(input: $input) { id amount }
}"""
UPDATE = """mutation($id: ID!, $input: UpdatePaymentCollectionInput!) {
  updatePaymentCollection(id: $id, input: $input) { id amount currencyCode }
}"""
COLLECTION = """query($id: ID!) {
  paymentCollection(id: $id) {
    amount currencyCode status paymentSessions { status } payments { id canceledAt captures { id } }
  }
}"""
INITIATE = """mutation($id: ID!, $p: ID!) {
  initiatePaymentSession(paymentCollectionId: $id, providerId: $p) { id }
}"""
COMPLETE = "mutation($c: ID!) { completeCart(cartId: $c) { id } }"
DELETE = "mutation($id: ID!) { deletePaymentCollection(id: $id) { id deleted } }"
SYSTEM = "pp_system_default"


async def _cart(gql: GraphQL, unit_price: str | None) -> str:
    """A cart in a region offering the system provider, with one item at ``unit_price`` or none."""
    region = await gql.data('mutation { createRegion(input: {name: "US", currencyCode: "usd"}) { id } }')
    region_id = region["createRegion"]["id"]
    await gql.data(
        "mutation($r: ID!, $p: ID!) { createRegionPaymentProviderLink(regionId: $r, paymentProviderId: $p) }",
        {"r": region_id, "p": SYSTEM},
    )
    items = [] if unit_price is None else [{"title": "Hat", "quantity": 1, "unitPrice": unit_price}]
    cart = await gql.data(
        "mutation($input: CreateCartInput!) { createCart(input: $input) { id } }",
        {"input": {"regionId": region_id, "items": items}},
        admin=False,
    )
    return str(cart["createCart"]["id"])


async def _pay(gql: GraphQL, cart_id: str) -> str:
    """The cart's collection with a system session; returns the collection id."""
    collection = await gql.data(
        "mutation($c: ID!) { createCartPaymentCollection(cartId: $c) { id } }", {"c": cart_id}, admin=False
    )
    collection_id = str(collection["createCartPaymentCollection"]["id"])
    await gql.data(
        INITIATE,
        {"id": collection_id, "p": SYSTEM},
        admin=False,
    )
    return collection_id


async def _complete(gql: GraphQL, cart_id: str) -> dict[str, Any]:
    return await gql.post(
        "mutation($c: ID!) { completeCart(cartId: $c) { id } }", {"c": cart_id}, admin=False
    )


async def _state(gql: GraphQL, collection_id: str) -> dict[str, Any]:
    return (await gql.data(COLLECTION, {"id": collection_id}))["paymentCollection"]  # type: ignore[no-any-return]


async def test_amounts_are_plain_ascii_decimals(gql: GraphQL, client: httpx.AsyncClient) -> None:
    for written in ("\u0661\u0660", "\uff11\uff10", "1e3", "1_000", "+10", " 10", "10 ", ".5", "NaN"):
        error = await gql.error(CREATE, {"input": {"currencyCode": "usd", "amount": written}})
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", written
    literal = await gql.error(
        'mutation { createPaymentCollection(input: {currencyCode: "usd", amount: "\u0661\u0660"}) { id } }'
    )
    assert literal["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    # JSON numbers other than integers arrive as floats, whatever their text: 1e3 and 10.0 are refused.
    for number in ("1e3", "1E3", "10.0", "0.1"):
        variables = '{"input": {"currencyCode": "usd", "amount": ' + number + "}}"
        body = '{"query": ' + json.dumps(CREATE) + ', "variables": ' + variables + "}"
        response = await client.post(
            "/graphql", content=body, headers={**ADMIN, "Content-Type": "application/json"}
        )
        errors = response.json()["errors"]
        assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", number
    for negative_zero in ("-0", "-0.00"):
        created = await gql.data(CREATE, {"input": {"currencyCode": "usd", "amount": negative_zero}})
        assert created["createPaymentCollection"]["amount"] == "0.00"
    listed = await gql.data("{ paymentCollections { items { amount } } }")
    assert {c["amount"] for c in listed["paymentCollections"]["items"]} == {"0.00"}


async def test_an_empty_or_free_cart_is_not_completed(gql: GraphQL) -> None:
    for unit_price in (None, "0"):
        cart_id = await _cart(gql, unit_price)
        if unit_price is not None:
            await _pay(gql, cart_id)
        body = await _complete(gql, cart_id)
        assert body["errors"][0]["extensions"]["code"] == "NOT_ALLOWED", unit_price
        cart = await gql.data("query($id: ID!) { cart(id: $id) { completedAt } }", {"id": cart_id})
        assert cart["cart"]["completedAt"] is None
    orders = await gql.data("{ orders { count } }")
    assert orders["orders"]["count"] == 0


async def test_a_collection_holding_money_keeps_its_amount_currency_and_rows(gql: GraphQL) -> None:
    cart_id = await _cart(gql, "30.00")
    collection_id = await _pay(gql, cart_id)
    assert "errors" not in await _complete(gql, cart_id)
    before = await _state(gql, collection_id)
    assert before["status"] == "AUTHORIZED"
    for change in ({"amount": "10"}, {"currencyCode": "eur"}):
        error = await gql.error(UPDATE, {"id": collection_id, "input": change})
        assert error["extensions"]["code"] == "NOT_ALLOWED", change
    payment_id = before["payments"][0]["id"]
    await gql.data("mutation($p: ID!) { capturePayment(paymentId: $p) { id } }", {"p": payment_id})
    error = await gql.error(
        "mutation($id: ID!) { deletePaymentCollection(id: $id) { id } }", {"id": collection_id}
    )
    assert error["extensions"]["code"] == "NOT_ALLOWED"
    after = await _state(gql, collection_id)
    assert (after["amount"], after["currencyCode"], after["status"]) == ("30.00", "usd", "COMPLETED")
    assert len(after["payments"][0]["captures"]) == 1


async def test_canceling_the_payment_cancels_its_session_and_the_collection(gql: GraphQL) -> None:
    cart_id = await _cart(gql, "30.00")
    collection_id = await _pay(gql, cart_id)
    assert "errors" not in await _complete(gql, cart_id)
    payment_id = (await _state(gql, collection_id))["payments"][0]["id"]
    await gql.data("mutation($p: ID!) { cancelPayment(paymentId: $p) { id } }", {"p": payment_id})
    state = await _state(gql, collection_id)
    assert state["status"] == "CANCELED"
    assert [s["status"] for s in state["paymentSessions"]] == ["CANCELED"]
    assert state["payments"][0]["canceledAt"] is not None
    # Nothing is held any more: the collection may be deleted.
    deleted = await gql.data(
        "mutation($id: ID!) { deletePaymentCollection(id: $id) { deleted } }", {"id": collection_id}
    )
    assert deleted["deletePaymentCollection"]["deleted"] is True
