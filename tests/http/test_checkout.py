"""The store's checkout over HTTP: the whole flow, fault injection, crash recovery and races."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
import pytest
from checkout_support import COUNTING_PROVIDER_ID, SYSTEM_PROVIDER_ID, CountingProvider
from starlette.applications import Starlette

from paymentgraph.workflows.checkout import COMPLETE_CART
from paymentgraph.workflows.engine import StepContext

ADMIN = {"Authorization": "Bearer test-admin"}

CREATE_CART = """mutation($input: CreateCartInput!) { createCart(input: $input) { id total } }"""
CREATE_COLLECTION = """mutation($cartId: ID!) {
  createCartPaymentCollection(cartId: $cartId) { id amount currencyCode status }
}"""
INITIATE = """mutation($id: ID!, $provider: ID!, $data: JSON) {
  initiatePaymentSession(paymentCollectionId: $id, providerId: $provider, data: $data) {
    id amount status providerId
  }
}"""
COMPLETE = """mutation($cartId: ID!) {
  completeCart(cartId: $cartId) { id cartId total paymentCollections { id status authorizedAmount } }
}"""
LINK_PROVIDER = """mutation($r: ID!, $p: ID!) {
  createRegionPaymentProviderLink(regionId: $r, paymentProviderId: $p)
}"""
CART = """query($id: ID!) {
  cart(id: $id) {
    completedAt
    paymentCollection { id payments { id amount canceledAt } paymentSessions { id status } }
  }
}"""


class Crash(BaseException):
    """A simulated process death between two workflow steps."""


async def post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    admin: bool = False,
    key: str | None = None,
) -> httpx.Response:
    headers = dict(ADMIN) if admin else {}
    if key is not None:
        headers["Idempotency-Key"] = key
    return await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


async def data(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, **kw: Any
) -> Any:
    response = await post(client, query, variables, **kw)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


async def error_code(client: httpx.AsyncClient, query: str, variables: dict[str, Any], **kw: Any) -> str:
    body = (await post(client, query, variables, **kw)).json()
    assert body.get("errors"), body
    return str(body["errors"][0]["extensions"]["code"])


@pytest.fixture
async def counting(app: Starlette) -> CountingProvider:
    """The counting provider, registered in the running app next to the system provider."""
    provider = CountingProvider()
    app.state.pg.providers.register(provider)
    await app.state.pg.sync_providers()
    return provider


async def open_cart(client: httpx.AsyncClient, *providers: str) -> str:
    """A region offering ``providers`` (admin) and a store cart of 30.00 USD in it."""
    region = await data(
        client,
        'mutation { createRegion(input: {name: "US", currencyCode: "usd"}) { id } }',
        admin=True,
    )
    region_id = region["createRegion"]["id"]
    for provider_id in providers:
        await data(
            client,
            LINK_PROVIDER,
            {"r": region_id, "p": provider_id},
            admin=True,
        )
    items = [
        {"title": "Shirt", "quantity": 2, "unitPrice": "10.00"},
        {"title": "Hat", "quantity": 1, "unitPrice": "10"},
    ]
    cart = await data(
        client, CREATE_CART, {"input": {"regionId": region_id, "email": "a@example.com", "items": items}}
    )
    return str(cart["createCart"]["id"])


async def pay_with(client: httpx.AsyncClient, cart_id: str, provider_id: str) -> str:
    collection = await data(client, CREATE_COLLECTION, {"cartId": cart_id})
    collection_id = collection["createCartPaymentCollection"]["id"]
    await data(client, INITIATE, {"id": collection_id, "provider": provider_id})
    return str(collection_id)


async def test_the_whole_checkout_with_the_system_provider(client: httpx.AsyncClient) -> None:
    cart_id = await open_cart(client, SYSTEM_PROVIDER_ID)
    created = (await data(client, CREATE_COLLECTION, {"cartId": cart_id}))["createCartPaymentCollection"]
    assert created["amount"] == "30.00" and created["currencyCode"] == "usd"
    session = (
        await data(client, INITIATE, {"id": created["id"], "provider": SYSTEM_PROVIDER_ID, "data": {"a": 1}})
    )["initiatePaymentSession"]
    assert session["amount"] == "30.00" and session["status"] == "PENDING"

    order = (await data(client, COMPLETE, {"cartId": cart_id}))["completeCart"]

    assert order["cartId"] == cart_id and order["total"] == "30.00"
    assert order["paymentCollections"] == [
        {"id": created["id"], "status": "AUTHORIZED", "authorizedAmount": "30.00"}
    ]
    cart = (await data(client, CART, {"id": cart_id}))["cart"]
    assert cart["completedAt"] is not None
    assert [p["amount"] for p in cart["paymentCollection"]["payments"]] == ["30.00"]
    # An already completed cart returns its order.
    again = (await data(client, COMPLETE, {"cartId": cart_id}))["completeCart"]
    assert again["id"] == order["id"]


async def test_a_provider_outside_the_cart_region_is_not_allowed(
    client: httpx.AsyncClient, counting: Any
) -> None:
    cart_id = await open_cart(client, SYSTEM_PROVIDER_ID)
    collection = (await data(client, CREATE_COLLECTION, {"cartId": cart_id}))["createCartPaymentCollection"]
    code = await error_code(client, INITIATE, {"id": collection["id"], "provider": COUNTING_PROVIDER_ID})
    assert code == "NOT_ALLOWED"


async def test_a_step_failing_after_authorization_cancels_it_and_leaves_the_cart_open(
    client: httpx.AsyncClient, counting: CountingProvider
) -> None:
    cart_id = await open_cart(client, COUNTING_PROVIDER_ID)
    await pay_with(client, cart_id, COUNTING_PROVIDER_ID)

    async def broken(ctx: StepContext) -> dict[str, Any]:
        raise RuntimeError("the order store is down")

    with COMPLETE_CART.patched("create_order", invoke=broken):
        assert await error_code(client, COMPLETE, {"cartId": cart_id}) == "INTERNAL_SERVER_ERROR"

    cart = (await data(client, CART, {"id": cart_id}))["cart"]
    assert cart["completedAt"] is None
    (payment,) = cart["paymentCollection"]["payments"]
    assert payment["canceledAt"] is not None
    assert counting.calls["authorize_payment"] == 1
    assert counting.calls["cancel_payment"] == 1


async def test_a_crash_between_steps_is_finished_by_a_retry_with_the_same_key(
    client: httpx.AsyncClient, counting: CountingProvider
) -> None:
    cart_id = await open_cart(client, COUNTING_PROVIDER_ID)
    await pay_with(client, cart_id, COUNTING_PROVIDER_ID)

    async def die(ctx: StepContext, output: dict[str, Any]) -> None:
        raise Crash

    with COMPLETE_CART.after_step("authorize_payment", die), pytest.raises(Crash):
        await post(client, COMPLETE, {"cartId": cart_id}, key="checkout-42")
    assert (await data(client, CART, {"id": cart_id}))["cart"]["completedAt"] is None

    response = await post(client, COMPLETE, {"cartId": cart_id}, key="checkout-42")
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["completeCart"]["cartId"] == cart_id
    assert "Idempotent-Replayed" not in response.headers  # it ran (resumed), it was not replayed
    assert counting.calls["authorize_payment"] == 1
    assert (await data(client, CART, {"id": cart_id}))["cart"]["completedAt"] is not None


async def test_requires_more_is_reported_and_the_session_kept(
    client: httpx.AsyncClient, counting: CountingProvider
) -> None:
    from paymentgraph.modules.payment.providers.base import SessionStatus

    cart_id = await open_cart(client, COUNTING_PROVIDER_ID)
    await pay_with(client, cart_id, COUNTING_PROVIDER_ID)
    counting.authorize_status = SessionStatus.REQUIRES_MORE
    assert await error_code(client, COMPLETE, {"cartId": cart_id}) == "PAYMENT_REQUIRES_MORE"
    cart = (await data(client, CART, {"id": cart_id}))["cart"]
    assert cart["completedAt"] is None
    assert [s["status"] for s in cart["paymentCollection"]["paymentSessions"]] == ["REQUIRES_MORE"]


async def test_parallel_completions_of_one_cart_make_one_order_and_one_payment(
    client: httpx.AsyncClient, counting: CountingProvider
) -> None:
    cart_id = await open_cart(client, COUNTING_PROVIDER_ID)
    await pay_with(client, cart_id, COUNTING_PROVIDER_ID)
    responses = await asyncio.gather(*(post(client, COMPLETE, {"cartId": cart_id}) for _ in range(8)))
    bodies = [r.json() for r in responses]
    assert all("errors" not in b for b in bodies), bodies
    assert len({b["data"]["completeCart"]["id"] for b in bodies}) == 1
    cart = (await data(client, CART, {"id": cart_id}))["cart"]
    assert len(cart["paymentCollection"]["payments"]) == 1
    assert counting.calls["authorize_payment"] == 1
    orders = await data(
        client, "{ orders(filter: {cartId: {eq: $c}}) { count } }".replace("$c", f'"{cart_id}"'), admin=True
    )
    assert orders["orders"]["count"] == 1


async def test_parallel_collection_requests_make_one_collection(client: httpx.AsyncClient) -> None:
    cart_id = await open_cart(client, SYSTEM_PROVIDER_ID)
    responses = await asyncio.gather(
        *(post(client, CREATE_COLLECTION, {"cartId": cart_id}) for _ in range(8))
    )
    bodies = [r.json() for r in responses]
    assert all("errors" not in b for b in bodies), bodies
    ids = {b["data"]["createCartPaymentCollection"]["id"] for b in bodies}
    assert len(ids) == 1
    listed = await data(client, "{ paymentCollections { count items { id } } }", admin=True)
    assert listed["paymentCollections"]["count"] == 1  # the losers deleted their orphans
    assert {c["id"] for c in listed["paymentCollections"]["items"]} == ids


async def test_parallel_captures_never_exceed_the_payment(client: httpx.AsyncClient) -> None:
    collection = await data(
        client,
        'mutation { createPaymentCollection(input: {currencyCode: "usd", amount: "100"}) { id } }',
        admin=True,
    )
    session = await data(
        client,
        """mutation($id: ID!) {
          createPaymentSession(paymentCollectionId: $id, input: {providerId: "pp_system_default"}) { id }
        }""",
        {"id": collection["createPaymentCollection"]["id"]},
        admin=True,
    )
    payment = await data(
        client,
        "mutation($id: ID!) { authorizePaymentSession(id: $id) { id } }",
        {"id": session["createPaymentSession"]["id"]},
        admin=True,
    )
    payment_id = payment["authorizePaymentSession"]["id"]
    capture = 'mutation($id: ID!) { capturePayment(paymentId: $id, amount: "10") { id } }'
    responses = await asyncio.gather(
        *(post(client, capture, {"id": payment_id}, admin=True) for _ in range(16))
    )
    succeeded = [r for r in responses if "errors" not in r.json()]
    assert len(succeeded) == 10
    final = await data(
        client,
        "query($id: ID!) { payment(id: $id) { capturedAmount captures { amount } } }",
        {"id": payment_id},
        admin=True,
    )
    assert Decimal(final["payment"]["capturedAmount"]) == Decimal("100")
    assert len(final["payment"]["captures"]) == 10
