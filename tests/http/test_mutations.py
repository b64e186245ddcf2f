"""Every admin mutation of the contract over HTTP: the service effect, read back through the query graph."""

from __future__ import annotations

from typing import Any

from http_helpers import GraphQL

from paymentgraph.links.registry import default_registry


async def _collection(gql: GraphQL, amount: str = "20") -> str:
    data = await gql.data(
        'mutation($a: Decimal!) { createPaymentCollection(input: {currencyCode: "usd", amount: $a}) { id } }',
        {"a": amount},
    )
    return str(data["createPaymentCollection"]["id"])


async def _region(gql: GraphQL) -> str:
    data = await gql.data('mutation { createRegion(input: {name: "US", currencyCode: "usd"}) { id } }')
    return str(data["createRegion"]["id"])


async def test_update_complete_and_delete_a_collection(gql: GraphQL) -> None:
    collection_id = await _collection(gql)
    updated = await gql.data(
        'mutation($id: ID!) { updatePaymentCollection(id: $id, input: {amount: "25.10", metadata: {k: "v"}})'
        " { amount currencyCode metadata } }",
        {"id": collection_id},
    )
    assert updated["updatePaymentCollection"] == {
        "amount": "25.10",
        "currencyCode": "usd",
        "metadata": {"k": "v"},
    }
    completed = await gql.data(
        "mutation($id: ID!) { completePaymentCollection(id: $id) { completedAt } }", {"id": collection_id}
    )
    assert completed["completePaymentCollection"]["completedAt"] is not None
    deleted = await gql.data(
        "mutation($id: ID!) { deletePaymentCollection(id: $id) { id deleted } }", {"id": collection_id}
    )
    assert deleted["deletePaymentCollection"] == {"id": collection_id, "deleted": True}
    assert (
        await gql.data("query($id: ID!) { paymentCollection(id: $id) { id } }", {"id": collection_id})
    ) == {"paymentCollection": None}


async def test_update_and_delete_a_session_and_cancel_a_payment(gql: GraphQL) -> None:
    collection_id = await _collection(gql)
    create = (
        "mutation($id: ID!) { createPaymentSession(paymentCollectionId: $id,"
        ' input: {providerId: "pp_system_default", data: {note: "x"}}) { id amount data } }'
    )
    first = (await gql.data(create, {"id": collection_id}))["createPaymentSession"]
    updated = await gql.data(
        'mutation($id: ID!) { updatePaymentSession(id: $id, input: {amount: "12", metadata: {m: 1}}) '
        "{ id amount metadata } }",
        {"id": first["id"]},
    )
    assert updated["updatePaymentSession"] == {"id": first["id"], "amount": "12.00", "metadata": {"m": 1}}
    deleted = await gql.data(
        "mutation($id: ID!) { deletePaymentSession(id: $id) { id deleted } }", {"id": first["id"]}
    )
    assert deleted["deletePaymentSession"] == {"id": first["id"], "deleted": True}

    second = (await gql.data(create, {"id": collection_id}))["createPaymentSession"]
    payment = (
        await gql.data(
            'mutation($id: ID!) { authorizePaymentSession(id: $id, context: {ip: "127.0.0.1"}) { id } }',
            {"id": second["id"]},
        )
    )["authorizePaymentSession"]
    canceled = await gql.data(
        "mutation($id: ID!) { cancelPayment(paymentId: $id) { id canceledAt paymentCollection { id } } }",
        {"id": payment["id"]},
    )
    assert canceled["cancelPayment"]["canceledAt"] is not None
    assert canceled["cancelPayment"]["paymentCollection"] == {"id": collection_id}


async def test_refund_with_a_reason(gql: GraphQL) -> None:
    reason = (
        await gql.data(
            'mutation { createRefundReason(input: {label: "Damaged", code: "damaged",'
            ' description: "Broken"}) { id label code description } }'
        )
    )["createRefundReason"]
    assert (reason["label"], reason["code"], reason["description"]) == ("Damaged", "damaged", "Broken")
    collection_id = await _collection(gql, "10")
    session = await gql.data(
        "mutation($id: ID!) { createPaymentSession(paymentCollectionId: $id,"
        ' input: {providerId: "pp_system_default"}) { id } }',
        {"id": collection_id},
    )
    payment_id = (
        await gql.data(
            "mutation($id: ID!) { authorizePaymentSession(id: $id) { id } }",
            {"id": session["createPaymentSession"]["id"]},
        )
    )["authorizePaymentSession"]["id"]
    await gql.data("mutation($id: ID!) { capturePayment(paymentId: $id) { id } }", {"id": payment_id})
    refunded = await gql.data(
        "mutation($id: ID!, $r: ID) { refundPayment(paymentId: $id, refundReasonId: $r) "
        "{ refundedAmount refunds { amount refundReason { code } } } }",
        {"id": payment_id, "r": reason["id"]},
    )
    assert refunded["refundPayment"] == {
        "refundedAmount": "10.00",
        "refunds": [{"amount": "10.00", "refundReason": {"code": "damaged"}}],
    }


async def test_disable_a_provider(gql: GraphQL) -> None:
    disabled = await gql.data(
        'mutation { updatePaymentProvider(id: "pp_system_default", isEnabled: false) { id isEnabled } }'
    )
    assert disabled["updatePaymentProvider"] == {"id": "pp_system_default", "isEnabled": False}
    collection_id = await _collection(gql)
    error = await gql.error(
        "mutation($id: ID!) { createPaymentSession(paymentCollectionId: $id,"
        ' input: {providerId: "pp_system_default"}) { id } }',
        {"id": collection_id},
    )
    assert error["extensions"]["code"] == "NOT_ALLOWED", error
    assert "pp_system_default" in error["message"]


async def test_customer_account_holder_and_payment_method(gql: GraphQL) -> None:
    customer = (
        await gql.data(
            'mutation { createCustomer(input: {email: "ada@example.com", firstName: "Ada"}) '
            "{ id email firstName lastName } }"
        )
    )["createCustomer"]
    assert (customer["email"], customer["firstName"], customer["lastName"]) == (
        "ada@example.com",
        "Ada",
        None,
    )
    holder = (
        await gql.data(
            'mutation($c: ID!) { createAccountHolder(customerId: $c, providerId: "pp_system_default") '
            "{ id providerId email customer { id } } }",
            {"c": customer["id"]},
        )
    )["createAccountHolder"]
    assert holder["providerId"] == "pp_system_default"
    assert holder["customer"] == {"id": customer["id"]}
    method = (
        await gql.data(
            'mutation($h: ID!) { savePaymentMethod(accountHolderId: $h, data: {card: "4242"}) '
            "{ id providerId data } }",
            {"h": holder["id"]},
        )
    )["savePaymentMethod"]
    assert method["providerId"] == "pp_system_default"
    assert method["data"]["card"] == "4242"
    read = await gql.data(
        "query($c: ID!) { customer(id: $c) { accountHolders { id } } }", {"c": customer["id"]}
    )
    assert read["customer"]["accountHolders"] == [{"id": holder["id"]}]


async def test_orders_claims_exchanges_and_cart_currency(gql: GraphQL) -> None:
    region_id = await _region(gql)
    order = (
        await gql.data(
            'mutation($r: ID!) { createOrder(input: {regionId: $r, currencyCode: "usd", email: "a@b.c",'
            ' items: [{title: "Pen", quantity: 4, unitPrice: "1.25"}]})'
            " { id total displayId region { id } } }",
            {"r": region_id},
        )
    )["createOrder"]
    assert order["total"] == "5.00"
    assert order["region"] == {"id": region_id}
    claim = (
        await gql.data(
            'mutation($o: ID!) { createOrderClaim(orderId: $o, type: "refund") { id type order { id } } }',
            {"o": order["id"]},
        )
    )["createOrderClaim"]
    assert (claim["type"], claim["order"]) == ("refund", {"id": order["id"]})
    exchange = (
        await gql.data(
            "mutation($o: ID!) { createOrderExchange(orderId: $o) { id orderId } }", {"o": order["id"]}
        )
    )["createOrderExchange"]
    assert exchange["orderId"] == order["id"]
    # A cart's currency defaults to its region's.
    cart = (
        await gql.data(
            "mutation($r: ID!) { createCart(input: {regionId: $r}) { currencyCode total } }", {"r": region_id}
        )
    )["createCart"]
    assert cart == {"currencyCode": "usd", "total": "0.00"}
    missing = await gql.error('mutation { createCart(input: {regionId: "reg_missing"}) { id } }')
    assert missing["extensions"]["code"] == "NOT_FOUND"


async def _link_ids(gql: GraphQL) -> dict[str, str]:
    """One record of every entity a link joins."""
    region_id = await _region(gql)
    order_id = (
        await gql.data(
            'mutation($r: ID!) { createOrder(input: {regionId: $r, currencyCode: "usd"}) { id } }',
            {"r": region_id},
        )
    )["createOrder"]["id"]
    customer_id = (await gql.data('mutation { createCustomer(input: {email: "x@y.z"}) { id } }'))[
        "createCustomer"
    ]["id"]
    holder = await gql.data(
        'mutation($c: ID!) { createAccountHolder(customerId: $c, providerId: "pp_system_default") { id } }',
        {"c": customer_id},
    )
    claim = await gql.data(
        'mutation($o: ID!) { createOrderClaim(orderId: $o, type: "refund") { id } }', {"o": order_id}
    )
    exchange = await gql.data(
        "mutation($o: ID!) { createOrderExchange(orderId: $o) { id } }", {"o": order_id}
    )
    cart = await gql.data("mutation($r: ID!) { createCart(input: {regionId: $r}) { id } }", {"r": region_id})
    return {
        "cart": cart["createCart"]["id"],
        "order": order_id,
        "order_claim": claim["createOrderClaim"]["id"],
        "order_exchange": exchange["createOrderExchange"]["id"],
        "region": region_id,
        "payment_provider": "pp_system_default",
        "customer": customer_id,
        "account_holder": holder["createAccountHolder"]["id"],
    }


async def test_every_link_definition_has_create_and_dismiss_mutations(gql: GraphQL) -> None:
    ids = await _link_ids(gql)
    for link in default_registry().links:
        left, right = link.left, link.right
        ends: dict[str, Any] = {}
        for end in (left, right):
            ends[end.argument] = (
                ids[end.entity] if end.entity != "payment_collection" else await _collection(gql)
            )
        signature = ", ".join(f"${a}: ID!" for a in ends)
        arguments = ", ".join(f"{a}: ${a}" for a in ends)
        if link.name != "CustomerAccountHolder":  # createAccountHolder linked that pair already
            created = await gql.data(f"mutation({signature}) {{ create{link.name}Link({arguments}) }}", ends)
            assert created == {f"create{link.name}Link": True}, link.name
        dismissed = await gql.data(f"mutation({signature}) {{ dismiss{link.name}Link({arguments}) }}", ends)
        assert dismissed == {f"dismiss{link.name}Link": True}, link.name
        again = await gql.data(f"mutation({signature}) {{ dismiss{link.name}Link({arguments}) }}", ends)
        assert again == {f"dismiss{link.name}Link": False}, link.name


async def test_link_mutation_errors_are_domain_errors(gql: GraphQL) -> None:
    collection_id = await _collection(gql)
    region_id = await _region(gql)
    cart_ids = [
        (await gql.data("mutation($r: ID!) { createCart(input: {regionId: $r}) { id } }", {"r": region_id}))[
            "createCart"
        ]["id"]
        for _ in range(2)
    ]
    link = (
        "mutation($c: ID!, $p: ID!) { createCartPaymentCollectionLink(cartId: $c, paymentCollectionId: $p) }"
    )
    await gql.data(link, {"c": cart_ids[0], "p": collection_id})
    read = await gql.data(
        "query($id: ID!) { paymentCollection(id: $id) { cart { id } } }", {"id": collection_id}
    )
    assert read["paymentCollection"]["cart"] == {"id": cart_ids[0]}
    conflict = await gql.error(link, {"c": cart_ids[1], "p": collection_id})
    assert conflict["extensions"]["code"] == "CONFLICT"
    missing = await gql.error(link, {"c": "cart_missing", "p": collection_id})
    assert missing["extensions"]["code"] == "NOT_FOUND"
