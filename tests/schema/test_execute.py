"""Root queries run one query-graph plan for their whole selection set, on both databases."""

from __future__ import annotations

from typing import Any

Execute = Any

COLLECTION_FIELDS = """
fragment Money on PaymentCollection { amount authorizedAmount capturedAmount refundedAmount currencyCode }
"""


async def test_nested_query_with_fragments_reads_every_level(seed: Any, execute: Execute) -> None:
    world = await seed()
    data = await execute(
        COLLECTION_FIELDS
        + """
        query One($id: ID!) {
          paymentCollection(id: $id) {
            id status createdAt metadata
            ...Money
            ... on PaymentCollection {
              cart { id email total region { id name } items { title quantity unitPrice } }
            }
            order { id displayId email }
            claim { id }
            paymentSessions(orderBy: [{createdAt: ASC}]) { id providerId status paymentCollection { id } }
            payments {
              id amount capturedAmount paymentSession { id } captures { id amount } refunds { id note }
            }
          }
        }
        """,
        id=world.collections[0],
    )
    collection = data["paymentCollection"]
    assert collection["id"] == world.collections[0]
    assert collection["status"] == "AUTHORIZED"
    assert collection["amount"] == "10.00"
    assert collection["capturedAmount"] == "5.00"
    assert collection["createdAt"] == "2026-01-01T12:00:00+00:00"
    assert collection["metadata"] is None
    assert collection["cart"]["email"] == "buyer000@example.com"
    assert collection["cart"]["region"] == {"id": "reg_1", "name": "Europe"}
    assert collection["cart"]["items"] == [{"title": "Item 000", "quantity": 1, "unitPrice": "10.00"}]
    assert collection["order"] == {"id": "order_1", "displayId": 1, "email": "ada@example.com"}
    assert collection["claim"] is None
    assert [s["providerId"] for s in collection["paymentSessions"]] == [
        "pp_system_default",
        "pp_stripe_stripe",
    ]
    assert collection["paymentSessions"][1]["status"] == "CANCELED"
    assert collection["paymentSessions"][0]["paymentCollection"] == {"id": world.collections[0]}
    [payment] = collection["payments"]
    assert payment["paymentSession"] == {"id": "payses_000_0"}
    assert [c["amount"] for c in payment["captures"]] == ["2.50", "2.50"]
    assert payment["refunds"] == [{"id": "ref_000", "note": "damaged"}]


async def test_missing_id_is_null(seed: Any, execute: Execute) -> None:
    await seed()
    assert await execute('{ paymentCollection(id: "pay_col_nope") { id } }') == {"paymentCollection": None}


async def test_aliases_with_different_arguments_load_independently(seed: Any, execute: Execute) -> None:
    world = await seed()
    data = await execute(
        """
        query($id: ID!, $provider: String!) {
          first: paymentCollection(id: $id) {
            newest: paymentSessions(orderBy: [{createdAt: DESC}], take: 1) { id }
            oldest: paymentSessions(orderBy: [{createdAt: ASC}], take: 1) { id }
            stripe: paymentSessions(filter: {providerId: {eq: $provider}}) { key: id providerId }
            all: paymentSessions { id }
          }
          second: paymentCollection(id: "pay_col_001") { id amount }
        }
        """,
        id=world.collections[0],
        provider="pp_stripe_stripe",
    )
    first = data["first"]
    assert first["newest"] == [{"id": "payses_000_1"}]
    assert first["oldest"] == [{"id": "payses_000_0"}]
    assert first["stripe"] == [{"key": "payses_000_1", "providerId": "pp_stripe_stripe"}]
    assert len(first["all"]) == 2
    assert data["second"] == {"id": "pay_col_001", "amount": "11.00"}


async def test_skip_include_directives(seed: Any, execute: Execute) -> None:
    world = await seed()
    query = """
      query($id: ID!, $withCart: Boolean!) {
        paymentCollection(id: $id) {
          id cart @include(if: $withCart) { id } payments @skip(if: $withCart) { id }
        }
      }
    """
    with_cart = await execute(query, id=world.collections[0], withCart=True)
    assert with_cart["paymentCollection"] == {"id": world.collections[0], "cart": {"id": "cart_000"}}
    without = await execute(query, id=world.collections[0], withCart=False)
    assert without["paymentCollection"] == {"id": world.collections[0], "payments": [{"id": "pay_000"}]}


async def test_list_skip_take_count_and_order(seed: Any, execute: Execute) -> None:
    await seed(collections=6)
    data = await execute(
        """
        {
          paymentCollections(orderBy: [{amount: DESC}], skip: 1, take: 2) {
            count skip take items { id amount }
          }
        }
        """
    )
    page = data["paymentCollections"]
    assert page["count"] == 6
    assert (page["skip"], page["take"]) == (1, 2)
    assert [i["amount"] for i in page["items"]] == ["14.00", "13.00"]
    default = await execute("{ paymentCollections { take skip items { id } } }")
    assert default["paymentCollections"]["take"] == 20
    assert len(default["paymentCollections"]["items"]) == 6


async def test_filters_across_links_and_boolean_operators(seed: Any, execute: Execute) -> None:
    world = await seed(collections=5)
    ordered = await execute(
        """
        query($order: ID!) {
          paymentCollections(filter: {order: {id: {eq: $order}}}, orderBy: [{createdAt: ASC}]) {
            count items { id }
          }
        }
        """,
        order=world.order,
    )
    assert [i["id"] for i in ordered["paymentCollections"]["items"]] == world.collections[:2]
    by_cart = await execute(
        """
        { paymentCollections(filter: {cart: {email: {ilike: "BUYER003%"}}}) { items { id cart { email } } } }
        """
    )
    assert by_cart["paymentCollections"]["items"] == [
        {"id": "pay_col_003", "cart": {"email": "buyer003@example.com"}}
    ]
    combined = await execute(
        """
        {
          paymentCollections(
            filter: {
              or: [{status: {eq: PARTIALLY_CAPTURED}}, {amount: {gte: "14"}}]
              not: {id: {in: ["pay_col_001"]}}
            }
            orderBy: [{amount: ASC}]
          ) { count items { id status } }
        }
        """
    )
    assert [i["id"] for i in combined["paymentCollections"]["items"]] == ["pay_col_003", "pay_col_004"]
    sessions = await execute(
        '{ paymentCollections(filter: {paymentSessions: {providerId: {eq: "pp_stripe_stripe"}}}) { count } }'
    )
    assert sessions["paymentCollections"]["count"] == 5


async def test_order_by_a_linked_single_valued_field(seed: Any, execute: Execute) -> None:
    await seed(collections=3)
    data = await execute(
        "{ paymentCollections(orderBy: [{cart: {email: DESC}}]) { items { cart { email } } } }"
    )
    emails = [i["cart"]["email"] for i in data["paymentCollections"]["items"]]
    assert emails == sorted(emails, reverse=True)


async def test_every_entity_has_root_fields(seed: Any, execute: Execute) -> None:
    world = await seed()
    data = await execute(
        """
        query($order: ID!) {
          order(id: $order) { id paymentCollections { id } region { name } customer { email } claims { id } }
          region(id: "reg_1") { id currencyCode paymentProviders { id } }
          customer(id: "cus_1") { id firstName accountHolders { id } }
          carts(filter: {regionId: {eq: "reg_1"}}, take: 2) { count items { id paymentCollection { id } } }
          refundReasons { count items { id } }
          lineItems(filter: {quantity: {gte: 1}}) { count }
          paymentProviders(filter: {isEnabled: {eq: true}}) { items { id isEnabled regions { id } } }
        }
        """,
        order=world.order,
    )
    assert [c["id"] for c in data["order"]["paymentCollections"]] == world.collections[:2]
    assert data["order"]["region"] == {"name": "Europe"}
    assert data["order"]["customer"] == {"email": "ada@example.com"}
    assert data["region"]["paymentProviders"] == []
    assert data["customer"]["accountHolders"] == []
    assert data["carts"]["count"] == 4
    assert data["carts"]["items"][0]["paymentCollection"] == {"id": "pay_col_000"}
    # The migration seeds Medusa's default refund reasons.
    assert data["refundReasons"]["count"] == len(data["refundReasons"]["items"])
    assert data["lineItems"]["count"] == 4
    assert {"id": "pp_system_default", "isEnabled": True, "regions": []} in data["paymentProviders"]["items"]


async def test_filter_variables_scalars_and_a_repeated_document(seed: Any, execute: Execute) -> None:
    await seed(collections=5)
    query = """
      query($filter: PaymentCollectionFilter, $take: Int, $status: PaymentCollectionStatus!) {
        paymentCollections(filter: $filter, orderBy: [{amount: ASC}]) {
          count items { id paymentSessions(take: $take, filter: {status: {ne: CANCELED}}) { id } }
        }
        byStatus: paymentCollections(filter: {status: {eq: $status}}) { count }
      }
    """
    since = await execute(
        query, filter={"createdAt": {"gte": "2026-01-01T12:03:00Z"}, "amount": {"eq": 13}}, take=1,
        status="AUTHORIZED",
    )  # fmt: skip
    assert since["paymentCollections"]["items"] == [
        {"id": "pay_col_003", "paymentSessions": [{"id": "payses_003_0"}]}
    ]
    assert since["byStatus"]["count"] == 3
    # The same document with other variables must not reuse the first selection or filters.
    again = await execute(
        query, filter={"currencyCode": {"in": ["usd"]}}, take=0, status="PARTIALLY_CAPTURED"
    )
    assert again["paymentCollections"]["count"] == 5
    assert all(item["paymentSessions"] == [] for item in again["paymentCollections"]["items"])
    assert again["byStatus"]["count"] == 2


async def test_typename_and_aliased_list_fields(seed: Any, execute: Execute) -> None:
    await seed(collections=2)
    data = await execute(
        """
        { page: paymentCollections(take: 1) { __typename total: count first: items { __typename key: id } } }
        """
    )
    assert data["page"] == {
        "__typename": "PaymentCollectionList",
        "total": 2,
        "first": [{"__typename": "PaymentCollection", "key": "pay_col_000"}],
    }
