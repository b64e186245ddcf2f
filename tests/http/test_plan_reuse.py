"""One document, many values: each request gets its own rows (plans and selections are reused by shape)."""

from __future__ import annotations

from http_helpers import GraphQL

CREATE = """mutation($amount: Decimal!) {
  createPaymentCollection(input: {currencyCode: "usd", amount: $amount}) { id }
}"""
SESSION = """mutation($id: ID!) {
  createPaymentSession(paymentCollectionId: $id, input: {providerId: "pp_system_default"}) { id }
}"""
READ = """query($id: ID!, $take: Int, $sessions: Boolean!) {
  paymentCollection(id: $id) { amount paymentSessions(take: $take) @include(if: $sessions) { id } }
}"""


async def test_each_request_reads_its_own_values(gql: GraphQL) -> None:
    collections = {}
    counts = {"10.00": 1, "20.00": 3}
    for amount, sessions in counts.items():
        created = await gql.data(CREATE, {"amount": amount})
        collection_id = created["createPaymentCollection"]["id"]
        for _ in range(sessions):
            await gql.data(SESSION, {"id": collection_id})
        collections[amount] = collection_id
    for _ in range(2):  # the second round runs on cached selections and plans
        for amount, collection_id in collections.items():
            for take, included in ((1, True), (None, True), (2, False)):
                read = await gql.data(READ, {"id": collection_id, "take": take, "sessions": included})
                collection = read["paymentCollection"]
                assert collection["amount"] == amount
                if not included:
                    assert "paymentSessions" not in collection
                    continue
                expected = counts[amount] if take is None else min(take, counts[amount])
                assert len(collection["paymentSessions"]) == expected, (amount, take)
