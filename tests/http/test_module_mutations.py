"""The rest of the payment module over HTTP: refund reasons, account holders, payments, providers, and the
webhook events page; each with its refusals."""

from __future__ import annotations

from typing import Any

from http_helpers import GraphQL
from starlette.applications import Starlette


async def _refunded_payment(gql: GraphQL, reason_id: str) -> str:
    collection = await gql.data(
        'mutation { createPaymentCollection(input: {currencyCode: "usd", amount: "10.00"}) { id } }'
    )
    session = await gql.data(
        "mutation($c: ID!) { createPaymentSession(paymentCollectionId: $c,"
        ' input: {providerId: "pp_system_default"}) { id } }',
        {"c": collection["createPaymentCollection"]["id"]},
    )
    payment = await gql.data(
        "mutation($s: ID!) { authorizePaymentSession(id: $s) { id } }",
        {"s": session["createPaymentSession"]["id"]},
    )
    payment_id = str(payment["authorizePaymentSession"]["id"])
    await gql.data("mutation($p: ID!) { capturePayment(paymentId: $p) { id } }", {"p": payment_id})
    await gql.data(
        "mutation($p: ID!, $r: ID!) {"
        ' refundPayment(paymentId: $p, amount: "1.00", refundReasonId: $r) { id } }',
        {"p": payment_id, "r": reason_id},
    )
    return payment_id


async def test_update_and_delete_a_refund_reason_that_refunds_keep(gql: GraphQL) -> None:
    created = await gql.data(
        'mutation { createRefundReason(input: {label: "Damaged", code: "damaged"}) { id } }'
    )
    reason_id = created["createRefundReason"]["id"]
    updated = await gql.data(
        'mutation($id: ID!) { updateRefundReason(id: $id, input: {label: "Broken", description: "in transit",'
        " metadata: {k: 1}}) { id label code description metadata } }",
        {"id": reason_id},
    )
    assert updated["updateRefundReason"] == {
        "id": reason_id,
        "label": "Broken",
        "code": "damaged",
        "description": "in transit",
        "metadata": {"k": 1},
    }
    payment_id = await _refunded_payment(gql, reason_id)

    deleted = await gql.data(
        "mutation($id: ID!) { deleteRefundReason(id: $id) { id deleted } }", {"id": reason_id}
    )
    assert deleted["deleteRefundReason"] == {"id": reason_id, "deleted": True}
    assert (await gql.data("query($id: ID!) { refundReason(id: $id) { id } }", {"id": reason_id})) == {
        "refundReason": None
    }
    listed = await gql.data('query { refundReasons(filter: {code: {eq: "damaged"}}) { count } }')
    assert listed["refundReasons"]["count"] == 0
    kept = await gql.data(
        "query($p: ID!) { payment(id: $p) { refunds { refundReasonId refundReason { label } } } }",
        {"p": payment_id},
    )
    assert kept["payment"]["refunds"] == [{"refundReasonId": reason_id, "refundReason": {"label": "Broken"}}]

    for query in (
        "mutation($id: ID!) { deleteRefundReason(id: $id) { id } }",
        'mutation($id: ID!) { updateRefundReason(id: $id, input: {label: "x"}) { id } }',
    ):
        error = await gql.error(query, {"id": reason_id})
        assert error["extensions"]["code"] == "NOT_FOUND"
    error = await gql.error('mutation { deleteRefundReason(id: "refr_missing") { id } }')
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_refund_reason_updates_are_validated(gql: GraphQL) -> None:
    created = await gql.data('mutation { createRefundReason(input: {label: "Late", code: "late"}) { id } }')
    reason_id = created["createRefundReason"]["id"]
    for input in ("{label: null}", '{label: "  "}', "{code: null}"):
        error = await gql.error(
            f"mutation($id: ID!) {{ updateRefundReason(id: $id, input: {input}) {{ id }} }}",
            {"id": reason_id},
        )
        assert error["extensions"]["code"] == "INVALID_DATA", input
    read = await gql.data("query($id: ID!) { refundReason(id: $id) { label code } }", {"id": reason_id})
    assert read["refundReason"] == {"label": "Late", "code": "late"}


async def _holder(gql: GraphQL) -> tuple[str, str]:
    customer = await gql.data('mutation { createCustomer(input: {email: "ada@example.com"}) { id } }')
    customer_id = customer["createCustomer"]["id"]
    holder = await gql.data(
        'mutation($c: ID!) { createAccountHolder(customerId: $c, providerId: "pp_system_default") { id } }',
        {"c": customer_id},
    )
    return customer_id, holder["createAccountHolder"]["id"]


async def test_update_and_delete_an_account_holder(gql: GraphQL, app: Starlette) -> None:
    customer_id, holder_id = await _holder(gql)
    updated = await gql.data(
        'mutation($id: ID!) { updateAccountHolder(id: $id, input: {email: "ada@new.example",'
        ' data: {tier: "gold"}, metadata: {k: "v"}}) { id email data metadata customer { id } } }',
        {"id": holder_id},
    )
    holder = updated["updateAccountHolder"]
    assert (holder["email"], holder["data"]["tier"], holder["metadata"]) == (
        "ada@new.example",
        "gold",
        {"k": "v"},
    )
    assert holder["customer"] == {"id": customer_id}
    bad = await gql.error(
        'mutation($id: ID!) { updateAccountHolder(id: $id, input: {email: "nobody"}) { id } }',
        {"id": holder_id},
    )
    assert bad["extensions"]["code"] == "INVALID_DATA"

    deleted = await gql.data(
        "mutation($id: ID!) { deleteAccountHolder(id: $id) { id deleted } }", {"id": holder_id}
    )
    assert deleted["deleteAccountHolder"] == {"id": holder_id, "deleted": True}
    read = await gql.data(
        "query($id: ID!, $c: ID!) { accountHolder(id: $id) { id }"
        " customer(id: $c) { accountHolders { id } } }",
        {"id": holder_id, "c": customer_id},
    )
    assert read == {"accountHolder": None, "customer": {"accountHolders": []}}
    # The link row is dismissed too (the query graph reads live link rows only).
    rows = await app.state.pg.query.graph("customer_account_holder", ["id"], {"customer_id": customer_id})
    assert rows["data"] == []
    for query in (
        "mutation($id: ID!) { deleteAccountHolder(id: $id) { id } }",
        "mutation($id: ID!) { updateAccountHolder(id: $id, input: {metadata: {}}) { id } }",
    ):
        error = await gql.error(query, {"id": holder_id})
        assert error["extensions"]["code"] == "NOT_FOUND"


async def test_saved_system_payment_methods_are_listed(gql: GraphQL) -> None:
    _, holder_id = await _holder(gql)
    saved = []
    for card in ("4242", "1881"):
        data = await gql.data(
            "mutation($h: ID!, $d: JSON) { savePaymentMethod(accountHolderId: $h, data: $d) { id data } }",
            {"h": holder_id, "d": {"card": card}},
        )
        saved.append(data["savePaymentMethod"])
    listed = await gql.data(
        "query($h: ID!) { accountHolder(id: $h) { paymentMethods { id providerId data } } }", {"h": holder_id}
    )
    assert listed["accountHolder"]["paymentMethods"] == [
        {"id": m["id"], "providerId": "pp_system_default", "data": m["data"]} for m in saved
    ]


async def test_update_a_payment_s_metadata(gql: GraphQL) -> None:
    reason = await gql.data('mutation { createRefundReason(input: {label: "x", code: "x"}) { id } }')
    payment_id = await _refunded_payment(gql, reason["createRefundReason"]["id"])
    updated = await gql.data(
        'mutation($p: ID!) { updatePayment(id: $p, metadata: {note: "checked"}) { id metadata amount } }',
        {"p": payment_id},
    )
    assert updated["updatePayment"] == {"id": payment_id, "metadata": {"note": "checked"}, "amount": "10.00"}
    cleared = await gql.data(
        "mutation($p: ID!) { updatePayment(id: $p, metadata: null) { metadata } }", {"p": payment_id}
    )
    assert cleared["updatePayment"] == {"metadata": None}
    bad = await gql.error(
        'mutation($p: ID!) { updatePayment(id: $p, metadata: "text") { id } }', {"p": payment_id}
    )
    assert bad["extensions"]["code"] == "INVALID_DATA"
    missing = await gql.error('mutation { updatePayment(id: "pay_missing", metadata: {}) { id } }')
    assert missing["extensions"]["code"] == "NOT_FOUND"
    store = await gql.error(
        "mutation($p: ID!) { updatePayment(id: $p, metadata: {}) { id } }", {"p": payment_id}, admin=False
    )
    assert store["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_unknown_provider_is_not_found_and_a_disabled_one_not_allowed(gql: GraphQL) -> None:
    collection = await gql.data(
        'mutation { createPaymentCollection(input: {currencyCode: "usd", amount: "10.00"}) { id } }'
    )
    collection_id = collection["createPaymentCollection"]["id"]
    session = (
        "mutation($c: ID!, $p: ID!) {"
        " createPaymentSession(paymentCollectionId: $c, input: {providerId: $p}) { id } }"
    )
    unknown = await gql.error(session, {"c": collection_id, "p": "pp_nope_default"})
    assert unknown["extensions"]["code"] == "NOT_FOUND"
    customer = await gql.data('mutation { createCustomer(input: {email: "b@example.com"}) { id } }')
    holder = await gql.error(
        'mutation($c: ID!) { createAccountHolder(customerId: $c, providerId: "pp_nope_default") { id } }',
        {"c": customer["createCustomer"]["id"]},
    )
    assert holder["extensions"]["code"] == "NOT_FOUND"
    await gql.data('mutation { updatePaymentProvider(id: "pp_system_default", isEnabled: false) { id } }')
    disabled = await gql.error(session, {"c": collection_id, "p": "pp_system_default"})
    assert disabled["extensions"]["code"] == "NOT_ALLOWED"


async def test_webhook_events_is_a_page(gql: GraphQL) -> None:
    page: dict[str, Any] = await gql.data(
        'query { webhookEvents(status: "failed", skip: 0, take: 5) { items { id } count skip take } }'
    )
    assert page["webhookEvents"] == {"items": [], "count": 0, "skip": 0, "take": 5}
    for arguments in ('status: "lost"', "take: -1"):
        error = await gql.error(f"query {{ webhookEvents({arguments}) {{ count }} }}")
        assert error["extensions"]["code"] == "INVALID_DATA", arguments
