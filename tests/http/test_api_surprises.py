"""Regressions found by using the API as its users do: each answer is what a person can act on."""

from __future__ import annotations

import httpx
from http_helpers import ADMIN, GraphQL

CREATE_CART = "mutation($i: CreateCartInput!) { createCart(input: $i) { id currencyCode region { id } } }"
COUNTS = "{ carts { count } orders { count } }"


async def _region(gql: GraphQL, currency: str = "usd") -> str:
    data = await gql.data(
        'mutation($c: String!) { createRegion(input: {name: "R", currencyCode: $c}) { id } }', {"c": currency}
    )
    return str(data["createRegion"]["id"])


async def _counts(gql: GraphQL) -> tuple[int, int]:
    data = await gql.data(COUNTS)
    return data["carts"]["count"], data["orders"]["count"]


async def test_a_cart_or_order_in_an_unknown_region_or_for_an_unknown_customer_is_not_found(
    gql: GraphQL,
) -> None:
    region_id = await _region(gql)
    before = await _counts(gql)
    # With a currency the region was never looked up: the cart was written, and reading its region failed.
    error = await gql.error(
        CREATE_CART, {"i": {"regionId": "reg_missing", "currencyCode": "usd"}}, admin=False
    )
    assert error["extensions"] == {"code": "NOT_FOUND", "id": "reg_missing", "entity": "Region"}
    error = await gql.error(CREATE_CART, {"i": {"regionId": region_id, "customerId": "cus_missing"}})
    assert error["extensions"] == {"code": "NOT_FOUND", "id": "cus_missing", "entity": "Customer"}
    # A guest may not name a customer at all (contract B), existing or not.
    error = await gql.error(
        CREATE_CART, {"i": {"regionId": region_id, "customerId": "cus_missing"}}, admin=False
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = await gql.error(
        'mutation { createOrder(input: {regionId: "reg_missing", currencyCode: "usd"}) { id } }'
    )
    assert error["extensions"] == {"code": "NOT_FOUND", "id": "reg_missing", "entity": "Region"}
    assert await _counts(gql) == before  # nothing written
    cart = (await gql.data(CREATE_CART, {"i": {"regionId": region_id}}, admin=False))["createCart"]
    assert (cart["currencyCode"], cart["region"]) == ("usd", {"id": region_id})


async def test_changing_a_collection_currency_rescales_its_amount(gql: GraphQL) -> None:
    created = await gql.data(
        'mutation { createPaymentCollection(input: {currencyCode: "usd", amount: "27"}) { id } }'
    )
    collection_id = created["createPaymentCollection"]["id"]
    update = (
        "mutation($id: ID!, $i: UpdatePaymentCollectionInput!) {"
        " updatePaymentCollection(id: $id, input: $i) { amount currencyCode } }"
    )
    changed = await gql.data(update, {"id": collection_id, "i": {"currencyCode": "JPY"}})
    assert changed["updatePaymentCollection"] == {"amount": "27", "currencyCode": "jpy"}
    read = await gql.data("query($id: ID!) { paymentCollection(id: $id) { amount } }", {"id": collection_id})
    assert read["paymentCollection"]["amount"] == "27"  # stored re-scaled, not "27.00" yen
    changed = await gql.data(update, {"id": collection_id, "i": {"currencyCode": "kwd"}})
    assert changed["updatePaymentCollection"]["amount"] == "27.000"


async def test_initiating_a_session_with_an_unknown_provider_is_not_found(gql: GraphQL) -> None:
    region_id = await _region(gql)
    await gql.data(
        "mutation($r: ID!) {"
        ' createRegionPaymentProviderLink(regionId: $r, paymentProviderId: "pp_system_default") }',
        {"r": region_id},
    )
    cart_id = (await gql.data(CREATE_CART, {"i": {"regionId": region_id}}, admin=False))["createCart"]["id"]
    collection = await gql.data(
        "mutation($c: ID!) { createCartPaymentCollection(cartId: $c) { id } }", {"c": cart_id}, admin=False
    )
    error = await gql.error(
        "mutation($p: ID!) {"
        ' initiatePaymentSession(paymentCollectionId: $p, providerId: "pp_missing") { id } }',
        {"p": collection["createCartPaymentCollection"]["id"]},
        admin=False,
    )
    # It said "pp_missing is not enabled" (NOT_ALLOWED), as if an admin could turn it on.
    assert error["extensions"] == {"code": "NOT_FOUND", "id": "pp_missing", "entity": "PaymentProvider"}


async def test_several_operations_without_an_operation_name_run_nothing(
    gql: GraphQL, client: httpx.AsyncClient
) -> None:
    region_id = await _region(gql)
    before = await _counts(gql)
    document = (
        f'mutation A {{ createCart(input: {{regionId: "{region_id}"}}) {{ id }} }}\n'
        f'mutation B {{ createCart(input: {{regionId: "{region_id}"}}) {{ id }} }}'
    )
    for _ in range(2):  # an Idempotency-Key does not apply to an ambiguous document: nothing may run
        response = await client.post(
            "/graphql", json={"query": document}, headers={**ADMIN, "Idempotency-Key": "ambiguous"}
        )
        body = response.json()
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "operationName" in body["errors"][0]["message"]
    assert await _counts(gql) == before
    # The store scope cannot slip an admin operation past the check either way.
    mixed = 'query Q { cart(id: "cart_x") { id } } query M { paymentCollections { count } }'
    response = await client.post("/graphql", json={"query": mixed})
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    response = await client.post("/graphql", json={"query": mixed, "operationName": "Q"})
    assert response.json() == {"data": {"cart": None}}
    response = await client.post("/graphql", json={"query": document, "operationName": "B"}, headers=ADMIN)
    assert response.json()["data"]["createCart"]["id"].startswith("cart_")
    assert await _counts(gql) == (before[0] + 1, before[1])


async def test_deleting_a_cart_collection_lets_the_cart_get_a_new_one(gql: GraphQL) -> None:
    region_id = await _region(gql)
    cart = await gql.data(
        "mutation($r: ID!) { createCart(input: {regionId: $r,"
        ' items: [{title: "A", quantity: 1, unitPrice: "5"}]}) { id } }',
        {"r": region_id},
        admin=False,
    )
    cart_id = cart["createCart"]["id"]
    create = "mutation($c: ID!) { createCartPaymentCollection(cartId: $c) { id amount } }"
    first = (await gql.data(create, {"c": cart_id}, admin=False))["createCartPaymentCollection"]
    order_id = (
        await gql.data(
            'mutation($r: ID!) { createOrder(input: {regionId: $r, currencyCode: "usd"}) { id } }',
            {"r": region_id},
        )
    )["createOrder"]["id"]
    await gql.data(
        "mutation($o: ID!, $p: ID!) {"
        " createOrderPaymentCollectionLink(orderId: $o, paymentCollectionId: $p) }",
        {"o": order_id, "p": first["id"]},
    )
    deleted = await gql.data("mutation($id: ID!) { deletePaymentCollection(id: $id) { id deleted } }", first)
    assert deleted["deletePaymentCollection"] == {"id": first["id"], "deleted": True}
    read = await gql.data(
        "query($c: ID!, $o: ID!) {"
        " cart(id: $c) { paymentCollection { id } } order(id: $o) { paymentCollections { id } } }",
        {"c": cart_id, "o": order_id},
    )
    assert read == {"cart": {"paymentCollection": None}, "order": {"paymentCollections": []}}
    # The link to the deleted collection used to survive: the cart was stuck on NOT_FOUND for it.
    second = (await gql.data(create, {"c": cart_id}, admin=False))["createCartPaymentCollection"]
    assert second["id"] != first["id"] and second["amount"] == "5.00"
    missing = await gql.error('mutation { deletePaymentCollection(id: "pay_col_missing") { id } }')
    assert missing["extensions"]["code"] == "NOT_FOUND"


async def test_text_with_a_nul_character_is_invalid_data_on_every_database(gql: GraphQL) -> None:
    region_id = await _region(gql)
    before = await _counts(gql)
    # PostgreSQL cannot store NUL: this was an INTERNAL_SERVER_ERROR there (and stored as-is on SQLite).
    items = [{"title": "mug\x00", "quantity": 1, "unitPrice": "3"}]
    error = await gql.error(CREATE_CART, {"i": {"regionId": region_id, "items": items}}, admin=False)
    assert error["extensions"] == {"code": "INVALID_DATA", "field": "$i.items[0].title"}
    assert "NUL" in error["message"]
    error = await gql.error(
        "mutation($m: JSON) { createPaymentCollection(input:"
        ' {currencyCode: "usd", amount: "1", metadata: $m}) { id } }',
        {"m": {"note": ["ok", "x\x00"]}},
    )
    assert error["extensions"] == {"code": "INVALID_DATA", "field": "$m.note[1]"}
    error = await gql.error('{ cart(id: "cart_\\u0000") { id } }', admin=False)  # an escape in a literal
    assert error["extensions"] == {"code": "INVALID_DATA"}
    assert await _counts(gql) == before
    assert (await gql.data('{ cart(id: "cart_\\u0041") { id } }', admin=False)) == {"cart": None}
