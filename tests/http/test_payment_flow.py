"""The accept-payment flow through GraphQL over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from http_helpers import GraphQL

CREATE_REGION = """
mutation($input: CreateRegionInput!) { createRegion(input: $input) { id name currencyCode } }
"""
CREATE_COLLECTION = """
mutation($input: CreatePaymentCollectionInput!) {
  createPaymentCollection(input: $input) { id currencyCode amount authorizedAmount status }
}
"""
CREATE_SESSION = """
mutation($id: ID!, $input: CreatePaymentSessionInput!) {
  createPaymentSession(paymentCollectionId: $id, input: $input) {
    id amount currencyCode providerId status paymentCollection { id status }
  }
}
"""
AUTHORIZE = """
mutation($id: ID!) {
  authorizePaymentSession(id: $id) { id amount capturedAmount paymentSession { id status } }
}
"""
CAPTURE = """
mutation($id: ID!, $amount: Decimal) {
  capturePayment(paymentId: $id, amount: $amount) { id capturedAmount captures { amount } }
}
"""
REFUND = """
mutation($id: ID!, $amount: Decimal, $note: String) {
  refundPayment(paymentId: $id, amount: $amount, note: $note) { id refundedAmount refunds { amount note } }
}
"""
COLLECTION = """
query($id: ID!) {
  paymentCollection(id: $id) {
    id amount authorizedAmount capturedAmount refundedAmount status currencyCode
    paymentSessions { id status amount providerId }
    payments {
      id amount capturedAmount refundedAmount providerId
      captures(orderBy: [{amount: DESC}]) { amount }
      refunds { amount note }
    }
  }
}
"""


async def test_accept_payment_flow(gql: GraphQL) -> None:
    region = (await gql.data(CREATE_REGION, {"input": {"name": "US", "currencyCode": "USD"}}))["createRegion"]
    assert region["currencyCode"] == "usd"
    assert region["id"].startswith("reg_")

    created = await gql.data(CREATE_COLLECTION, {"input": {"currencyCode": "usd", "amount": "40"}})
    collection = created["createPaymentCollection"]
    assert collection["amount"] == "40.00"
    assert collection["authorizedAmount"] == "0"
    assert collection["status"] == "NOT_PAID"

    session = (
        await gql.data(CREATE_SESSION, {"id": collection["id"], "input": {"providerId": "pp_system_default"}})
    )["createPaymentSession"]
    assert session["amount"] == "40.00"
    assert session["providerId"] == "pp_system_default"
    assert session["paymentCollection"] == {"id": collection["id"], "status": "AWAITING"}

    payment = (await gql.data(AUTHORIZE, {"id": session["id"]}))["authorizePaymentSession"]
    assert payment["amount"] == "40.00"
    assert payment["paymentSession"]["status"] == "AUTHORIZED"

    partial = (await gql.data(CAPTURE, {"id": payment["id"], "amount": "15.50"}))["capturePayment"]
    assert partial["capturedAmount"] == "15.50"
    rest = (await gql.data(CAPTURE, {"id": payment["id"]}))["capturePayment"]
    assert rest["capturedAmount"] == "40.00"
    assert sorted(c["amount"] for c in rest["captures"]) == ["15.50", "24.50"]

    refund = {"id": payment["id"], "amount": "5", "note": "scratched"}
    refunded = (await gql.data(REFUND, refund))["refundPayment"]
    assert refunded["refundedAmount"] == "5.00"
    assert refunded["refunds"] == [{"amount": "5.00", "note": "scratched"}]

    read = (await gql.data(COLLECTION, {"id": collection["id"]}))["paymentCollection"]
    assert read["status"] == "COMPLETED"
    assert (read["amount"], read["authorizedAmount"], read["capturedAmount"], read["refundedAmount"]) == (
        "40.00",
        "40.00",
        "40.00",
        "5.00",
    )
    assert [s["status"] for s in read["paymentSessions"]] == ["AUTHORIZED"]
    [nested] = read["payments"]
    assert nested["id"] == payment["id"]
    assert (nested["capturedAmount"], nested["refundedAmount"]) == ("40.00", "5.00")
    assert [c["amount"] for c in nested["captures"]] == ["24.50", "15.50"]
    assert nested["refunds"] == [{"amount": "5.00", "note": "scratched"}]
