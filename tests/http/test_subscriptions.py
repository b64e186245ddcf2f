"""GraphQL subscriptions over WebSocket against real ``paymentgraph serve`` processes, on both databases.

- One process without Redis (the embedded default): the bus is in process.
- Two processes sharing the database and Redis: a subscriber on one sees what is done through the other,
  GraphQL mutations and a provider webhook alike, in commit order.
- Who may subscribe to what: the same scopes and reach as HTTP, with exact codes.

Peers: the servers, Redis at 127.0.0.1:6379 (each test on a channel of its own), and
``webhook_provider.HookedProvider`` (the system provider plus unsigned JSON webhooks), configured by file.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from http_helpers import ADMIN_TOKEN, GraphQL
from live_server import serve
from ws_client import Closed, Subscriptions, connected, refused_at_init

REDIS_URL = "redis://127.0.0.1:6379/0"
HOOKED = "pp_hooked_test"
SYSTEM = "pp_system_default"
HERE = Path(__file__).resolve().parent
CONFIG = """
[[providers]]
resolve = "webhook_provider:HookedProvider"
id = "test"
"""

COLLECTION_UPDATED = """subscription($id: ID!) {
  paymentCollectionUpdated(id: $id) { id status authorizedAmount capturedAmount cart { id } }
}"""
EVENTS = "subscription($names: [String!]) { events(names: $names) { id name data } }"
EVENTS_QUERY = """query($names: [String!]) {
  events(filter: {name: {in: $names}}, take: 100) { items { id name } }
}"""
WATCHED = ["payment.authorized", "payment.captured", "payment_collection.updated"]

REGISTER = """mutation($input: RegisterCustomerInput!) { registerCustomer(input: $input) { token } }"""
CREATE_CART = "mutation($input: CreateCartInput!) { createCart(input: $input) { id } }"
CART_COLLECTION = "mutation($cartId: ID!) { createCartPaymentCollection(cartId: $cartId) { id } }"
INITIATE = """mutation($id: ID!, $provider: ID!) {
  initiatePaymentSession(paymentCollectionId: $id, providerId: $provider) { id }
}"""
COMPLETE = "mutation($cartId: ID!) { completeCart(cartId: $cartId) { id } }"
LINK_PROVIDER = """mutation($r: ID!, $p: ID!) {
  createRegionPaymentProviderLink(regionId: $r, paymentProviderId: $p)
}"""


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    config = tmp_path / "paymentgraph.toml"
    config.write_text(CONFIG)
    return {
        "PAYMENTGRAPH_ADMIN_TOKENS": ADMIN_TOKEN,
        "PAYMENTGRAPH_CONFIG": str(config),
        "PAYMENTGRAPH_MAINTENANCE_CRON": "",
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        **extra,
    }


@contextmanager
def servers(database_url: str, tmp_path: Path, count: int, **env: str) -> Iterator[list[str]]:
    with ExitStack() as stack:
        yield [stack.enter_context(serve(database_url, tmp_path, **env)) for _ in range(count)]


@contextmanager
def over_redis(database_url: str, tmp_path: Path, count: int) -> Iterator[list[str]]:
    channel = f"paymentgraph:test:{uuid.uuid4().hex}"  # tests running at once do not hear each other
    env = _environment(tmp_path, PAYMENTGRAPH_REDIS_URL=REDIS_URL, PAYMENTGRAPH_REDIS_CHANNEL=channel)
    with servers(database_url, tmp_path, count, **env) as bases:
        yield bases


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Shop:
    """GraphQL over HTTP to one server."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.gql = GraphQL(http)

    async def region(self) -> str:
        created = await self.gql.data(
            'mutation { createRegion(input: {name: "US", currencyCode: "usd"}) { id } }'
        )
        region_id: str = created["createRegion"]["id"]
        for provider in (SYSTEM, HOOKED):
            await self.gql.data(LINK_PROVIDER, {"r": region_id, "p": provider})
        return region_id

    async def customer(self, email: str) -> str:
        data = await self.gql.data(
            REGISTER, {"input": {"email": email, "password": "correct horse"}}, admin=False
        )
        return data["registerCustomer"]["token"]  # type: ignore[no-any-return]

    async def checkout(self, region_id: str, token: str | None = None) -> tuple[str, str, str]:
        """(cart, collection, session paying through the hooked provider) of a guest or ``token``'s."""
        headers = bearer(token) if token else {}
        items = [{"title": "Mug", "quantity": 1, "unitPrice": "12.00"}]
        cart = await self.gql.data(
            CREATE_CART, {"input": {"regionId": region_id, "items": items}}, admin=False, headers=headers
        )
        cart_id = cart["createCart"]["id"]
        collection = await self.gql.data(CART_COLLECTION, {"cartId": cart_id}, admin=False, headers=headers)
        collection_id = collection["createCartPaymentCollection"]["id"]
        session = await self.gql.data(
            INITIATE, {"id": collection_id, "provider": HOOKED}, admin=False, headers=headers
        )
        return cart_id, collection_id, session["initiatePaymentSession"]["id"]

    async def event_ids_in_order(self, names: list[str]) -> list[str]:
        """The events of ``names`` as the admin query lists them, oldest first."""
        data = await self.gql.data(EVENTS_QUERY, {"names": names})
        return [item["id"] for item in reversed(data["events"]["items"])]


async def until_status(subscriber: Subscriptions, op_id: str, status: str) -> list[dict[str, Any]]:
    """The collection updates of ``op_id`` up to the first with ``status`` (updates may be coalesced)."""
    seen = []
    while not seen or seen[-1]["status"] != status:
        seen.append((await subscriber.data(op_id))["paymentCollectionUpdated"])
        assert len(seen) < 20, seen
    return seen


async def events_until(subscriber: Subscriptions, op_id: str, last_name: str) -> list[dict[str, Any]]:
    events = []
    while not events or events[-1]["name"] != last_name:
        events.append((await subscriber.data(op_id))["events"])
        assert len(events) < 50, events
    return events


# ---------------------------------------------------------------- one process, no Redis
async def test_one_process_serves_subscriptions_in_process(database_url: str, tmp_path: Path) -> None:
    # given: one server without Redis and a guest's cart paying through the hooked provider
    with servers(database_url, tmp_path, 1, **_environment(tmp_path)) as [base]:
        async with httpx.AsyncClient(base_url=base) as http:
            shop = Shop(http)
            cart_id, collection_id, _ = await shop.checkout(await shop.region())
            async with connected(base, ADMIN_TOKEN) as admin, connected(base) as guest:
                await admin.subscribe("events", EVENTS, {"names": WATCHED})
                await guest.subscribe("mine", COLLECTION_UPDATED, {"id": collection_id})
                first = await guest.data("mine")
                assert first["paymentCollectionUpdated"]["id"] == collection_id
                assert first["paymentCollectionUpdated"]["cart"] == {"id": cart_id}

                # when: the guest completes the cart over HTTP
                await shop.gql.data(COMPLETE, {"cartId": cart_id}, admin=False)

                # then: both subscribers hear of it on the same process
                updates = await until_status(guest, "mine", "AUTHORIZED")
                assert updates[-1]["authorizedAmount"] == "12.00"
                events = await events_until(admin, "events", "payment_collection.updated")
                assert [e["name"] for e in events] == ["payment.authorized", "payment_collection.updated"]
                assert events[0]["data"]["payment_collection_id"] == collection_id


# ---------------------------------------------------------------- several processes, through Redis
async def test_a_subscriber_on_one_process_sees_changes_made_through_another_in_commit_order(
    database_url: str, tmp_path: Path
) -> None:
    # given: two servers sharing the database and Redis; the subscribers are on the first
    with over_redis(database_url, tmp_path, 2) as [listening, writing]:
        async with httpx.AsyncClient(base_url=writing) as http:
            shop = Shop(http)
            cart_id, collection_id, session_id = await shop.checkout(await shop.region())
            async with connected(listening, ADMIN_TOKEN) as admin, connected(listening) as guest:
                await admin.subscribe("events", EVENTS, {"names": WATCHED})
                await guest.subscribe("mine", COLLECTION_UPDATED, {"id": collection_id})
                assert (await guest.data("mine"))["paymentCollectionUpdated"]["status"] == "AWAITING"

                # when: the cart is completed through the other server (GraphQL over HTTP) ...
                await shop.gql.data(COMPLETE, {"cartId": cart_id}, admin=False)
                authorized = await until_status(guest, "mine", "AUTHORIZED")

                # ... and the provider's webhook announcing the capture lands on the other server too
                hook = {
                    "id": "hook_capture_1",
                    "type": "captured",
                    "session_id": session_id,
                    "amount": "12.00",
                }
                answer = await http.post("/hooks/payment/hooked_test", json=hook)
                assert answer.status_code == 200, answer.text
                captured = await until_status(guest, "mine", "COMPLETED")

                # then: the subscriber saw each change, and every event, in the order they were committed
                assert authorized[-1]["authorizedAmount"] == "12.00"
                assert captured[-1]["capturedAmount"] == "12.00"
                events = await events_until(admin, "events", "payment_collection.updated")
                while "payment.captured" not in [e["name"] for e in events]:
                    events += await events_until(admin, "events", "payment_collection.updated")
                # (the events before the subscription, of creating the session, were not streamed)
                committed = await shop.event_ids_in_order(WATCHED)
                assert [e["id"] for e in events] == committed[-len(events) :]
                assert [e["name"] for e in events] == [
                    "payment.authorized",
                    "payment_collection.updated",
                    "payment.captured",
                    "payment_collection.updated",
                ]


# ---------------------------------------------------------------- who may subscribe to what
async def test_scopes_and_reach_decide_who_may_subscribe(database_url: str, tmp_path: Path) -> None:
    env = _environment(tmp_path, PAYMENTGRAPH_WS_PING_SECONDS="0.5")  # pings come while the test runs
    with servers(database_url, tmp_path, 1, **env) as [base]:
        async with httpx.AsyncClient(base_url=base) as http:
            shop = Shop(http)
            region_id = await shop.region()
            ann, ben = await shop.customer("ann@example.com"), await shop.customer("ben@example.com")
            _, anns, _ = await shop.checkout(region_id, ann)
            _, guests, _ = await shop.checkout(region_id)
            admins = (
                await shop.gql.data(
                    'mutation { createPaymentCollection(input: {currencyCode: "usd", amount: "5"}) { id } }'
                )
            )["createPaymentCollection"]["id"]

            async def first_message(token: str | None, collection_id: str) -> dict[str, Any]:
                async with connected(base, token) as subscriber:
                    await subscriber.subscribe("1", COLLECTION_UPDATED, {"id": collection_id})
                    return await subscriber.receive("1")

            def code(message: dict[str, Any]) -> str:
                assert message["type"] == "error", message
                return message["payload"][0]["extensions"]["code"]  # type: ignore[no-any-return]

            # Admin events: a guest must sign in, a customer may not.
            for token, expected in ((None, "UNAUTHENTICATED"), (ann, "FORBIDDEN")):
                async with connected(base, token) as subscriber:
                    await subscriber.subscribe("1", EVENTS)
                    assert code(await subscriber.receive("1")) == expected

            # Collections: as the cart's reach (a guest cart's by id, a customer's own); the admin any.
            assert code(await first_message(None, anns)) == "NOT_FOUND"
            assert code(await first_message(ben, anns)) == "NOT_FOUND"
            assert code(await first_message(None, admins)) == "NOT_FOUND"  # no cart: the admin's alone
            assert code(await first_message(ann, "pay_col_unknown")) == "NOT_FOUND"
            for token, collection_id in ((ann, anns), (None, guests), (ben, guests), (ADMIN_TOKEN, anns)):
                message = await first_message(token, collection_id)
                assert message["type"] == "next", message
                assert message["payload"]["data"]["paymentCollectionUpdated"]["id"] == collection_id

            # A token that is not valid is refused at connection_init: 4403 Forbidden.
            assert (await refused_at_init(base, "Bearer not-a-token")).code == 4403
            assert (await refused_at_init(base, {"token": ann})).code == 4403
            await shop.gql.data("mutation { logout }", admin=False, headers=bearer(ann))
            assert (await refused_at_init(base, f"Bearer {ann}")).code == 4403

            # Keep-alive: the server pings an idle connection and answers the client's pings.
            async with connected(base) as idle:
                assert await idle.raw() == {"type": "ping"}
                await idle.ws.send('{"type": "pong"}')
                await idle.ws.send('{"type": "ping"}')
                while (answer := await idle.raw()) == {"type": "ping"}:
                    pass  # another of the server's pings came first
                assert answer == {"type": "pong"}


async def test_a_revoked_or_logged_out_credential_closes_its_connection(
    database_url: str, tmp_path: Path
) -> None:
    env = _environment(tmp_path, PAYMENTGRAPH_WS_CREDENTIAL_CHECK_SECONDS="0.2")
    with servers(database_url, tmp_path, 1, **env) as [base]:
        async with httpx.AsyncClient(base_url=base) as http:
            shop = Shop(http)
            created = await shop.gql.data('mutation { createApiKey(title: "erp") { apiKey { id } token } }')
            key = created["createApiKey"]
            customer = await shop.customer("cy@example.com")
            async with connected(base, key["token"]) as erp, connected(base, customer) as shopper:
                await erp.subscribe("1", EVENTS)
                await shopper.subscribe("1", COLLECTION_UPDATED, {"id": "pay_col_unknown"})
                assert (await shopper.receive("1"))["type"] == "error"
                await shop.gql.data(
                    "mutation($id: ID!) { revokeApiKey(id: $id) { id } }", {"id": key["apiKey"]["id"]}
                )
                with pytest.raises(Closed) as erp_closed:
                    await erp.receive("1")
                assert erp_closed.value.code == 4403
                await shop.gql.data("mutation { logout }", admin=False, headers=bearer(customer))
                with pytest.raises(Closed) as shopper_closed:
                    await shopper.raw()
                assert shopper_closed.value.code == 4403


# ---------------------------------------------------------------- not over HTTP
async def test_a_subscription_sent_over_http_is_refused(client: httpx.AsyncClient) -> None:
    document = "subscription { events { id } }"
    headers = bearer(ADMIN_TOKEN)
    for response in (
        await client.post("/graphql", json={"query": document}, headers=headers),
        await client.get("/graphql", params={"query": document}, headers=headers),
    ):
        assert response.status_code == 400
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "BAD_REQUEST"
        assert "WebSocket" in error["message"]
