"""Identity over HTTP on both databases: customers, sessions, API keys, and what each scope may reach."""

from __future__ import annotations

from typing import Any

import pytest
from http_helpers import ADMIN_TOKEN, GraphQL
from sqlalchemy import update
from starlette.applications import Starlette

from paymentgraph.config import Settings
from paymentgraph.db.types import utcnow
from paymentgraph.identity.models import CustomerSession

SYSTEM = "pp_system_default"
REGISTER = """mutation($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { token expiresAt customer { id email firstName } }
}"""
LOGIN = """mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { token customer { id email } }
}"""
CREATE_CART = """mutation($input: CreateCartInput!) { createCart(input: $input) { id customerId } }"""
COLLECTION = "mutation($cartId: ID!) { createCartPaymentCollection(cartId: $cartId) { id } }"
INITIATE = """mutation($id: ID!) {
  initiatePaymentSession(paymentCollectionId: $id, providerId: "pp_system_default") { id data }
}"""
COMPLETE = "mutation($cartId: ID!) { completeCart(cartId: $cartId) { id customerId } }"
CART = "query($id: ID!) { cart(id: $id) { id customerId } }"


@pytest.fixture
def settings(database_url: str) -> Settings:
    # A small per-email limit keeps the throttling test short; the address limit stays out of the way.
    return Settings(
        database_url=database_url,
        admin_tokens=f"{ADMIN_TOKEN},second-admin",
        login_failures_per_email=3,
        login_failures_per_address=4,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def register(gql: GraphQL, email: str, password: str = "correct horse") -> dict[str, Any]:
    data = await gql.data(REGISTER, {"input": {"email": email, "password": password}}, admin=False)
    return data["registerCustomer"]  # type: ignore[no-any-return]


async def region(gql: GraphQL) -> str:
    created = await gql.data('mutation { createRegion(input: {name: "US", currencyCode: "usd"}) { id } }')
    region_id: str = created["createRegion"]["id"]
    await gql.data(
        "mutation($r: ID!, $p: ID!) { createRegionPaymentProviderLink(regionId: $r, paymentProviderId: $p) }",
        {"r": region_id, "p": SYSTEM},
    )
    return region_id


async def cart(gql: GraphQL, region_id: str, token: str | None = None) -> str:
    items = [{"title": "Mug", "quantity": 1, "unitPrice": "12.00"}]
    headers = bearer(token) if token else {}
    created = await gql.data(
        CREATE_CART, {"input": {"regionId": region_id, "items": items}}, admin=False, headers=headers
    )
    return created["createCart"]["id"]  # type: ignore[no-any-return]


async def checkout(gql: GraphQL, cart_id: str, token: str | None = None) -> str:
    headers = bearer(token) if token else {}
    collection = await gql.data(COLLECTION, {"cartId": cart_id}, admin=False, headers=headers)
    await gql.data(
        INITIATE, {"id": collection["createCartPaymentCollection"]["id"]}, admin=False, headers=headers
    )
    order = await gql.data(COMPLETE, {"cartId": cart_id}, admin=False, headers=headers)
    return order["completeCart"]["id"]  # type: ignore[no-any-return]


def code(body: dict[str, Any]) -> str:
    assert body.get("errors"), body
    return body["errors"][0]["extensions"]["code"]  # type: ignore[no-any-return]


# ---------------------------------------------------------------- customers and sessions
async def test_register_signs_in_and_an_email_registers_once(gql: GraphQL) -> None:
    session = await register(gql, "Ada@Example.com")
    assert session["token"].startswith("pgs_")
    assert session["customer"]["email"] == "ada@example.com"
    me = await gql.data("{ me { id email } }", admin=False, headers=bearer(session["token"]))
    assert me["me"] == {"id": session["customer"]["id"], "email": "ada@example.com"}
    again = await gql.post(
        REGISTER, {"input": {"email": "ada@example.com", "password": "another one"}}, admin=False
    )
    assert code(again) == "CONFLICT"
    assert (await gql.data("{ me { id } }", admin=False))["me"] is None


async def test_login_refuses_a_wrong_password_and_an_unknown_email_alike(gql: GraphQL) -> None:
    await register(gql, "bob@example.com")
    wrong = await gql.post(LOGIN, {"email": "bob@example.com", "password": "wrong password"}, admin=False)
    unknown = await gql.post(
        LOGIN, {"email": "nobody@example.com", "password": "wrong password"}, admin=False
    )
    assert code(wrong) == code(unknown) == "UNAUTHENTICATED"
    assert wrong["errors"][0]["message"] == unknown["errors"][0]["message"]
    signed_in = await gql.data(LOGIN, {"email": "BOB@example.com", "password": "correct horse"}, admin=False)
    assert signed_in["login"]["customer"]["email"] == "bob@example.com"


async def test_repeated_failures_for_one_email_are_throttled(gql: GraphQL) -> None:
    await register(gql, "carol@example.com")
    for _ in range(3):  # the fixture's per-email limit
        body = await gql.post(LOGIN, {"email": "carol@example.com", "password": "guess guess"}, admin=False)
        assert code(body) == "UNAUTHENTICATED"
    # Even the right password waits now: the throttle answers before the password is checked.
    throttled = await gql.post(
        LOGIN, {"email": "carol@example.com", "password": "correct horse"}, admin=False
    )
    assert code(throttled) == "TOO_MANY_REQUESTS"
    assert throttled["errors"][0]["extensions"]["retryAfter"] > 0
    # Another email from the same address is not affected by this email's failures.
    await register(gql, "dave@example.com")
    await gql.data(LOGIN, {"email": "dave@example.com", "password": "correct horse"}, admin=False)


async def test_repeated_failures_from_one_address_are_throttled_across_emails(gql: GraphQL) -> None:
    await register(gql, "frank@example.com")
    for n in range(4):  # the fixture's per-address limit, each email failing once
        body = await gql.post(
            LOGIN, {"email": f"guess{n}@example.com", "password": "guess guess"}, admin=False
        )
        assert code(body) == "UNAUTHENTICATED"
    throttled = await gql.post(
        LOGIN, {"email": "frank@example.com", "password": "correct horse"}, admin=False
    )
    assert code(throttled) == "TOO_MANY_REQUESTS"


async def test_logged_out_expired_and_forged_session_tokens_are_unauthenticated(
    gql: GraphQL, app: Starlette
) -> None:
    first = await register(gql, "erin@example.com")
    second = (await gql.data(LOGIN, {"email": "erin@example.com", "password": "correct horse"}, admin=False))[
        "login"
    ]
    assert (await gql.data("mutation { logout }", admin=False, headers=bearer(first["token"])))[
        "logout"
    ] is True
    for token in (first["token"], "pgs_" + "x" * 43, "not-a-token"):
        body = await gql.post('{ cart(id: "cart_x") { id } }', admin=False, headers=bearer(token))
        assert code(body) == "UNAUTHENTICATED"
        assert body["data"] is None
    # The other session lives on until it expires.
    assert (await gql.data("{ me { id } }", admin=False, headers=bearer(second["token"])))["me"] is not None
    async with app.state.pg.sessionmaker() as session, session.begin():
        await session.execute(update(CustomerSession).values(expires_at=utcnow()))
    assert (
        code(await gql.post("{ me { id } }", admin=False, headers=bearer(second["token"])))
        == "UNAUTHENTICATED"
    )


# ---------------------------------------------------------------- reach
async def test_a_guest_checks_out_a_guest_cart_and_reads_its_sessions(gql: GraphQL) -> None:
    cart_id = await cart(gql, await region(gql))
    order_id = await checkout(gql, cart_id)
    read = await gql.data(
        """query($id: ID!) { cart(id: $id) { id customer { id } paymentCollection {
             paymentSessions { id data status } payments { id amount refunds { note } } } } }""",
        {"id": cart_id},
        admin=False,
    )
    assert read["cart"]["customer"] is None
    assert read["cart"]["paymentCollection"]["paymentSessions"][0]["status"] == "AUTHORIZED"
    order = await gql.data("query($id: ID!) { order(id: $id) { id } }", {"id": order_id}, admin=False)
    assert order["order"] == {"id": order_id}


@pytest.mark.parametrize(
    "query",
    [
        "query($id: ID!) { cart(id: $id) { customer { email } } }",
        "query($id: ID!) { cart(id: $id) { id who: customer { mail: email } } }",
        "query($id: ID!) { cart(id: $id) { ...C } } fragment C on Cart { customer { ...N } }"
        " fragment N on Customer { firstName }",
        "query($id: ID!) { cart(id: $id) { ... on Cart { customer { accountHolders { id } } } } }",
        "query($id: ID!) { order(id: $id) { customer { carts { id } } } }",
        "query($id: ID!) { me { email } cart(id: $id) { id } }",
    ],
)
async def test_a_guest_never_selects_customer_data(gql: GraphQL, query: str) -> None:
    body = await gql.post(query, {"id": "cart_x"}, admin=False)
    assert body["data"] is None
    assert code(body) == "UNAUTHENTICATED"


async def test_a_customer_reads_only_their_own_carts_and_orders(gql: GraphQL) -> None:
    region_id = await region(gql)
    ann = await register(gql, "ann@example.com")
    ben = await register(gql, "ben@example.com")
    ann_cart = await cart(gql, region_id, ann["token"])
    ann_order = await checkout(gql, ann_cart, ann["token"])
    ann_open = await cart(gql, region_id, ann["token"])
    ben_cart = await cart(gql, region_id, ben["token"])
    guest_cart = await cart(gql, region_id)

    read = await gql.data(CART, {"id": ann_open}, admin=False, headers=bearer(ann["token"]))
    assert read["cart"] == {"id": ann_open, "customerId": ann["customer"]["id"]}
    for headers in (bearer(ben["token"]), {}):  # another customer, a guest: it does not exist for them
        assert (await gql.data(CART, {"id": ann_open}, admin=False, headers=headers))["cart"] is None
        order = await gql.data(
            "query($id: ID!) { order(id: $id) { id } }", {"id": ann_order}, admin=False, headers=headers
        )
        assert order["order"] is None
        refused = await gql.post(COLLECTION, {"cartId": ann_open}, admin=False, headers=headers)
        assert code(refused) == "NOT_FOUND"
    # Nesting cannot reach around it: from a guest cart to the region and back, from the customer to carts.
    mine = await gql.data(
        "{ me { carts { id } orders { id cart: cartId } } }", admin=False, headers=bearer(ann["token"])
    )
    assert sorted(c["id"] for c in mine["me"]["carts"]) == sorted([ann_cart, ann_open])
    assert [o["id"] for o in mine["me"]["orders"]] == [ann_order]
    assert ben_cart not in {c["id"] for c in mine["me"]["carts"]}
    # A guest cart stays reachable by its id for a signed-in customer too.
    assert (await gql.data(CART, {"id": guest_cart}, admin=False, headers=bearer(ann["token"])))["cart"]
    # The admin sees everything.
    assert (await gql.data(CART, {"id": ann_open}))["cart"]["customerId"] == ann["customer"]["id"]


async def test_a_customer_may_not_select_admin_fields(gql: GraphQL) -> None:
    ann = await register(gql, "ann@example.com")
    for query in (
        "{ paymentCollections { count } }",
        '{ cart(id: "cart_x") { paymentCollection { payments { canceledBy captures { createdBy } } } } }',
        "{ apiKeys { id } }",
    ):
        body = await gql.post(query, admin=False, headers=bearer(ann["token"]))
        assert body["data"] is None
        assert code(body) == "FORBIDDEN"


async def test_a_cart_belongs_to_its_creator(gql: GraphQL) -> None:
    region_id = await region(gql)
    ann = await register(gql, "ann@example.com")
    ben = await register(gql, "ben@example.com")
    items = [{"title": "Mug", "quantity": 1, "unitPrice": "12.00"}]
    for_ann = {"input": {"regionId": region_id, "items": items, "customerId": ann["customer"]["id"]}}
    assert code(await gql.post(CREATE_CART, for_ann, admin=False)) == "FORBIDDEN"
    assert (
        code(await gql.post(CREATE_CART, for_ann, admin=False, headers=bearer(ben["token"]))) == "FORBIDDEN"
    )
    created = await gql.data(CREATE_CART, for_ann, admin=False, headers=bearer(ann["token"]))
    assert created["createCart"]["customerId"] == ann["customer"]["id"]
    by_admin = await gql.data(CREATE_CART, for_ann)
    assert by_admin["createCart"]["customerId"] == ann["customer"]["id"]


async def test_transfer_cart_makes_a_guest_cart_the_customers(gql: GraphQL) -> None:
    region_id = await region(gql)
    ann = await register(gql, "ann@example.com")
    ben = await register(gql, "ben@example.com")
    guest_cart = await cart(gql, region_id)
    transfer = "mutation($id: ID!) { transferCart(cartId: $id) { id customerId email } }"
    assert code(await gql.post(transfer, {"id": guest_cart}, admin=False)) == "UNAUTHENTICATED"
    moved = await gql.data(transfer, {"id": guest_cart}, admin=False, headers=bearer(ann["token"]))
    assert moved["transferCart"] == {
        "id": guest_cart,
        "customerId": ann["customer"]["id"],
        "email": "ann@example.com",
    }
    assert (await gql.data(CART, {"id": guest_cart}, admin=False))["cart"] is None
    stolen = await gql.post(transfer, {"id": guest_cart}, admin=False, headers=bearer(ben["token"]))
    assert code(stolen) == "NOT_FOUND"


# ---------------------------------------------------------------- API keys and the audit trail
async def test_api_keys_are_shown_once_used_and_revoked(gql: GraphQL) -> None:
    created = await gql.data(
        'mutation { createApiKey(title: "CI") { token apiKey { id title redacted lastUsedAt revokedAt } } }'
    )
    key = created["createApiKey"]
    assert key["token"].startswith("pgk_") and key["apiKey"]["id"].startswith("apk_")
    assert key["token"] not in key["apiKey"]["redacted"]
    assert key["apiKey"]["lastUsedAt"] is None
    listed = await gql.data("{ apiKeys { id title lastUsedAt } }", admin=False, headers=bearer(key["token"]))
    [entry] = listed["apiKeys"]
    assert entry["id"] == key["apiKey"]["id"] and entry["lastUsedAt"] is not None
    revoked = await gql.data(
        "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }", {"id": entry["id"]}
    )
    assert revoked["revokeApiKey"]["revokedAt"] is not None
    for token in (key["token"], "pgk_" + "y" * 43):
        body = await gql.post("{ regions { count } }", admin=False, headers=bearer(token))
        assert code(body) == "UNAUTHENTICATED"
    guest = await gql.post('mutation { createApiKey(title: "mine") { token } }', admin=False)
    assert code(guest) == "UNAUTHENTICATED"


async def _authorized_payment(gql: GraphQL) -> str:
    cart_id = await cart(gql, await region(gql))
    await checkout(gql, cart_id)
    read = await gql.data(
        "query($id: ID!) { cart(id: $id) { paymentCollection { payments { id } } } }", {"id": cart_id}
    )
    return read["cart"]["paymentCollection"]["payments"][0]["id"]  # type: ignore[no-any-return]


async def test_captures_refunds_and_cancels_name_who_made_them(gql: GraphQL) -> None:
    key = (await gql.data('mutation { createApiKey(title: "ops") { token apiKey { id } } }'))["createApiKey"]
    payment_id = await _authorized_payment(gql)
    captured = await gql.data(
        'mutation($id: ID!) { capturePayment(paymentId: $id, amount: "5.00") { id } }',
        {"id": payment_id},
        admin=False,
        headers=bearer(key["token"]),
    )
    assert captured["capturePayment"]["id"] == payment_id
    await gql.data(
        "mutation($id: ID!) { capturePayment(paymentId: $id) { id } }",
        {"id": payment_id},
        admin=False,
        headers=bearer("second-admin"),
    )
    await gql.data(
        'mutation($id: ID!) { refundPayment(paymentId: $id, amount: "2.00") { id } }',
        {"id": payment_id},
        admin=False,
        headers=bearer(key["token"]),
    )
    read = await gql.data(
        "query($id: ID!) { payment(id: $id) { captures { amount createdBy } refunds { createdBy } } }",
        {"id": payment_id},
    )
    by_amount = {c["amount"]: c["createdBy"] for c in read["payment"]["captures"]}
    assert by_amount == {"5.00": key["apiKey"]["id"], "7.00": "token:2"}
    assert [r["createdBy"] for r in read["payment"]["refunds"]] == [key["apiKey"]["id"]]

    other = await _authorized_payment(gql)
    await gql.data("mutation($id: ID!) { cancelPayment(paymentId: $id) { id } }", {"id": other})
    canceled = await gql.data("query($id: ID!) { payment(id: $id) { canceledBy } }", {"id": other})
    assert canceled["payment"]["canceledBy"] == "token:1"
