"""Orders' payments over HTTP: paymentStatus and the totals over all the order's collections (claims' and
exchanges' included), createOrderPaymentCollection, markPaymentCollectionAsPaid, cancelPaymentCollection."""

from __future__ import annotations

from typing import Any

from http_helpers import GraphQL

ORDER_FIELDS = "id paymentStatus paidTotal refundedTotal outstandingAmount total"


async def _order(gql: GraphQL, unit_price: str = "30.00", quantity: int = 2) -> str:
    region = await gql.data('mutation { createRegion(input: {name: "US", currencyCode: "usd"}) { id } }')
    data = await gql.data(
        'mutation($r: ID!, $p: Decimal!, $q: Int!) { createOrder(input: {regionId: $r, currencyCode: "usd",'
        ' items: [{title: "Shirt", quantity: $q, unitPrice: $p}]}) { id } }',
        {"r": region["createRegion"]["id"], "p": unit_price, "q": quantity},
    )
    return str(data["createOrder"]["id"])


async def _read(gql: GraphQL, order_id: str) -> dict[str, Any]:
    data = await gql.data(f"query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}", {"id": order_id})
    return data["order"]  # type: ignore[no-any-return]


async def _collect(gql: GraphQL, order_id: str, amount: str | None = None) -> dict[str, Any]:
    data = await gql.data(
        "mutation($o: ID!, $a: Decimal) { createOrderPaymentCollection(orderId: $o, amount: $a)"
        " { id amount currencyCode status order { id } } }",
        {"o": order_id, "a": amount},
    )
    return data["createOrderPaymentCollection"]  # type: ignore[no-any-return]


async def _pay(gql: GraphQL, collection_id: str, capture: str | None, amount: str | None = None) -> str:
    """A system-provider session (for ``amount``, default the collection's) authorized, and captured for
    ``capture``; returns the payment id."""
    session = await gql.data(
        "mutation($c: ID!, $a: Decimal) { createPaymentSession(paymentCollectionId: $c,"
        ' input: {providerId: "pp_system_default", amount: $a}) { id } }',
        {"c": collection_id, "a": amount},
    )
    payment = await gql.data(
        "mutation($s: ID!) { authorizePaymentSession(id: $s) { id } }",
        {"s": session["createPaymentSession"]["id"]},
    )
    payment_id = str(payment["authorizePaymentSession"]["id"])
    if capture is not None:
        await gql.data(
            "mutation($p: ID!, $a: Decimal) { capturePayment(paymentId: $p, amount: $a) { id } }",
            {"p": payment_id, "a": capture},
        )
    return payment_id


async def _refund(gql: GraphQL, payment_id: str, amount: str) -> None:
    await gql.data(
        "mutation($p: ID!, $a: Decimal) { refundPayment(paymentId: $p, amount: $a) { id } }",
        {"p": payment_id, "a": amount},
    )


async def test_a_new_order_owes_its_total_and_a_collection_defaults_to_it(gql: GraphQL) -> None:
    order_id = await _order(gql)
    assert await _read(gql, order_id) == {
        "id": order_id,
        "paymentStatus": "NOT_PAID",
        "paidTotal": "0.00",
        "refundedTotal": "0.00",
        "outstandingAmount": "60.00",
        "total": "60.00",
    }
    collection = await _collect(gql, order_id)
    assert collection["amount"] == "60.00"
    assert collection["currencyCode"] == "usd"
    assert collection["status"] == "NOT_PAID"
    assert collection["order"] == {"id": order_id}


async def test_payment_status_follows_authorize_capture_and_refund(gql: GraphQL) -> None:
    order_id = await _order(gql)
    collection_id = (await _collect(gql, order_id))["id"]
    payment_id = await _pay(gql, collection_id, capture=None)
    assert (await _read(gql, order_id))["paymentStatus"] == "AUTHORIZED"

    await gql.data(
        'mutation($p: ID!) { capturePayment(paymentId: $p, amount: "20.00") { id } }', {"p": payment_id}
    )
    order = await _read(gql, order_id)
    assert (order["paymentStatus"], order["paidTotal"], order["outstandingAmount"]) == (
        "PARTIALLY_CAPTURED",
        "20.00",
        "40.00",
    )

    await gql.data("mutation($p: ID!) { capturePayment(paymentId: $p) { id } }", {"p": payment_id})
    order = await _read(gql, order_id)
    assert (order["paymentStatus"], order["paidTotal"], order["outstandingAmount"]) == (
        "CAPTURED",
        "60.00",
        "0.00",
    )

    await _refund(gql, payment_id, "10.01")
    order = await _read(gql, order_id)
    assert order == {
        "id": order_id,
        "paymentStatus": "PARTIALLY_REFUNDED",
        "paidTotal": "49.99",
        "refundedTotal": "10.01",
        "outstandingAmount": "10.01",
        "total": "60.00",
    }
    await _refund(gql, payment_id, "49.99")
    order = await _read(gql, order_id)
    assert (order["paymentStatus"], order["paidTotal"], order["refundedTotal"]) == (
        "REFUNDED",
        "0.00",
        "60.00",
    )


async def test_claims_and_exchanges_collections_count_and_overpaying_goes_negative(gql: GraphQL) -> None:
    order_id = await _order(gql, unit_price="10.00", quantity=1)
    await _pay(gql, (await _collect(gql, order_id))["id"], capture="10.00")
    claim = await gql.data(
        'mutation($o: ID!) { createOrderClaim(orderId: $o, type: "replace") { id } }', {"o": order_id}
    )
    exchange = await gql.data(
        "mutation($o: ID!) { createOrderExchange(orderId: $o) { id } }", {"o": order_id}
    )
    claim_collection = await gql.data(
        'mutation { createPaymentCollection(input: {currencyCode: "usd", amount: "2.50"}) { id } }'
    )
    exchange_collection = await gql.data(
        'mutation { createPaymentCollection(input: {currencyCode: "usd", amount: "0.75"}) { id } }'
    )
    claim_collection_id = claim_collection["createPaymentCollection"]["id"]
    exchange_collection_id = exchange_collection["createPaymentCollection"]["id"]
    await gql.data(
        "mutation($c: ID!, $p: ID!) { createOrderClaimPaymentCollectionLink(orderClaimId: $c,"
        " paymentCollectionId: $p) }",
        {"c": claim["createOrderClaim"]["id"], "p": claim_collection_id},
    )
    await gql.data(
        "mutation($e: ID!, $p: ID!) { createOrderExchangePaymentCollectionLink(orderExchangeId: $e,"
        " paymentCollectionId: $p) }",
        {"e": exchange["createOrderExchange"]["id"], "p": exchange_collection_id},
    )
    # Paid in full, but the claim's and the exchange's collections are not paid yet.
    order = await _read(gql, order_id)
    assert (order["paymentStatus"], order["paidTotal"], order["outstandingAmount"]) == (
        "PARTIALLY_CAPTURED",
        "10.00",
        "0.00",
    )
    await _pay(gql, claim_collection_id, capture="2.50")
    await _pay(gql, exchange_collection_id, capture="0.75")
    order = await _read(gql, order_id)
    assert (order["paymentStatus"], order["paidTotal"], order["outstandingAmount"]) == (
        "CAPTURED",
        "13.25",
        "-3.25",
    )
    # Nothing is owed: a new collection is refused, with or without an amount.
    for amount in (None, "1.00"):
        error = await gql.error(
            "mutation($o: ID!, $a: Decimal) { createOrderPaymentCollection(orderId: $o, amount: $a) { id } }",
            {"o": order_id, "a": amount},
        )
        assert error["extensions"]["code"] == "NOT_ALLOWED"


async def test_filter_and_sort_orders_by_payment_status_and_amounts(gql: GraphQL) -> None:
    unpaid = await _order(gql, unit_price="5.00", quantity=1)
    refunded_part = await _order(gql, unit_price="8.00", quantity=1)
    captured = await _order(gql, unit_price="7.00", quantity=1)
    payment_id = await _pay(gql, (await _collect(gql, refunded_part))["id"], capture="8.00")
    await _refund(gql, payment_id, "3.00")
    await _pay(gql, (await _collect(gql, captured))["id"], capture="7.00")

    async def ids(arguments: str) -> list[str]:
        data = await gql.data(f"query {{ orders({arguments}) {{ items {{ id }} count }} }}")
        assert data["orders"]["count"] == len(data["orders"]["items"])
        return [item["id"] for item in data["orders"]["items"]]

    assert await ids("filter: {paymentStatus: {eq: PARTIALLY_REFUNDED}}") == [refunded_part]
    assert await ids("filter: {paymentStatus: {in: [NOT_PAID, CAPTURED]}}, orderBy: [{total: ASC}]") == [
        unpaid,
        captured,
    ]
    assert await ids('filter: {paidTotal: {gt: "4.99"}}, orderBy: [{paidTotal: DESC}]') == [
        captured,
        refunded_part,
    ]
    assert await ids('filter: {refundedTotal: {eq: "3"}}') == [refunded_part]
    # outstanding: unpaid 5.00, refunded_part 3.00, captured 0.00
    assert await ids("orderBy: [{outstandingAmount: DESC}]") == [unpaid, refunded_part, captured]
    assert await ids("orderBy: [{outstandingAmount: ASC}]") == [captured, refunded_part, unpaid]
    error = await gql.error('query { orders(filter: {paidTotal: {gt: "0.00001"}}) { count } }')
    assert error["extensions"]["code"] == "INVALID_DATA"


async def test_create_order_payment_collection_refusals(gql: GraphQL) -> None:
    error = await gql.error('mutation { createOrderPaymentCollection(orderId: "order_missing") { id } }')
    assert error["extensions"]["code"] == "NOT_FOUND"
    order_id = await _order(gql)
    for amount in ("0", "-1.00", "1.001"):
        error = await gql.error(
            "mutation($o: ID!, $a: Decimal) { createOrderPaymentCollection(orderId: $o, amount: $a) { id } }",
            {"o": order_id, "a": amount},
        )
        assert error["extensions"]["code"] == "INVALID_DATA", amount
    partial = await _collect(gql, order_id, "25.50")
    assert partial["amount"] == "25.50"
    assert (await _read(gql, order_id))["outstandingAmount"] == "60.00"  # nothing paid yet
    store = await gql.error(
        "mutation($o: ID!) { createOrderPaymentCollection(orderId: $o) { id } }", {"o": order_id}, admin=False
    )
    assert store["extensions"]["code"] == "UNAUTHENTICATED"


async def test_mark_a_collection_as_paid(gql: GraphQL) -> None:
    order_id = await _order(gql)
    collection_id = (await _collect(gql, order_id))["id"]
    paid = await gql.data(
        "mutation($c: ID!) { markPaymentCollectionAsPaid(id: $c) { status capturedAmount"
        " payments { providerId amount captures { amount } } } }",
        {"c": collection_id},
    )
    assert paid["markPaymentCollectionAsPaid"] == {
        "status": "COMPLETED",
        "capturedAmount": "60.00",
        "payments": [
            {"providerId": "pp_system_default", "amount": "60.00", "captures": [{"amount": "60.00"}]}
        ],
    }
    order = await _read(gql, order_id)
    assert (order["paymentStatus"], order["outstandingAmount"]) == ("CAPTURED", "0.00")
    error = await gql.error(
        "mutation($c: ID!) { markPaymentCollectionAsPaid(id: $c) { id } }", {"c": collection_id}
    )
    assert error["extensions"]["code"] == "NOT_ALLOWED"
    missing = await gql.error('mutation { markPaymentCollectionAsPaid(id: "pay_col_missing") { id } }')
    assert missing["extensions"]["code"] == "NOT_FOUND"


async def test_mark_as_paid_takes_the_rest_and_refuses_an_open_authorization(gql: GraphQL) -> None:
    order_id = await _order(gql)
    collection_id = (await _collect(gql, order_id))["id"]
    payment_id = await _pay(gql, collection_id, capture=None, amount="20.00")
    error = await gql.error(
        "mutation($c: ID!) { markPaymentCollectionAsPaid(id: $c) { id } }", {"c": collection_id}
    )
    assert error["extensions"]["code"] == "NOT_ALLOWED"
    await gql.data("mutation($p: ID!) { capturePayment(paymentId: $p) { id } }", {"p": payment_id})
    paid = await gql.data(
        "mutation($c: ID!) { markPaymentCollectionAsPaid(id: $c) { status capturedAmount"
        " payments(orderBy: [{amount: ASC}]) { providerId amount } } }",
        {"c": collection_id},
    )
    assert paid["markPaymentCollectionAsPaid"] == {
        "status": "COMPLETED",
        "capturedAmount": "60.00",
        "payments": [
            {"providerId": "pp_system_default", "amount": "20.00"},
            {"providerId": "pp_system_default", "amount": "40.00"},
        ],
    }


async def test_cancel_a_collection(gql: GraphQL) -> None:
    order_id = await _order(gql)
    collection_id = (await _collect(gql, order_id))["id"]
    payment_id = await _pay(gql, collection_id, capture=None)
    await gql.data(
        "mutation($c: ID!) { createPaymentSession(paymentCollectionId: $c,"
        ' input: {providerId: "pp_system_default", amount: "1.00"}) { id } }',
        {"c": collection_id},
    )
    canceled = await gql.data(
        "mutation($c: ID!) { cancelPaymentCollection(id: $c) { status paymentSessions { status }"
        " payments { id canceledAt } } }",
        {"c": collection_id},
    )
    result = canceled["cancelPaymentCollection"]
    assert result["status"] == "CANCELED"
    # The canceled payment's session is canceled with it.
    assert sorted(s["status"] for s in result["paymentSessions"]) == ["CANCELED", "CANCELED"]
    assert [p["id"] for p in result["payments"]] == [payment_id]
    assert result["payments"][0]["canceledAt"] is not None
    assert (await _read(gql, order_id))["paymentStatus"] == "CANCELED"
    again = await gql.error(
        "mutation($c: ID!) { cancelPaymentCollection(id: $c) { id } }", {"c": collection_id}
    )
    assert again["extensions"]["code"] == "NOT_ALLOWED"
    session = await gql.error(
        "mutation($c: ID!) { createPaymentSession(paymentCollectionId: $c,"
        ' input: {providerId: "pp_system_default"}) { id } }',
        {"c": collection_id},
    )
    assert session["extensions"]["code"] == "NOT_ALLOWED"


async def test_cancel_is_refused_once_anything_is_captured(gql: GraphQL) -> None:
    order_id = await _order(gql)
    collection_id = (await _collect(gql, order_id))["id"]
    await _pay(gql, collection_id, capture="0.01")
    error = await gql.error(
        "mutation($c: ID!) { cancelPaymentCollection(id: $c) { id } }", {"c": collection_id}
    )
    assert error["extensions"]["code"] == "NOT_ALLOWED"
    data = await gql.data("query($c: ID!) { paymentCollection(id: $c) { status } }", {"c": collection_id})
    assert data["paymentCollection"]["status"] == "PARTIALLY_CAPTURED"
    missing = await gql.error('mutation { cancelPaymentCollection(id: "pay_col_missing") { id } }')
    assert missing["extensions"]["code"] == "NOT_FOUND"
