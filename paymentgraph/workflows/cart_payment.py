"""Paying for a cart, before completion: the cart's payment collection and its payment session.

``create_cart_payment_collection`` returns the cart's collection, creating it (amount and currency from
the cart total) when there is none. Two concurrent calls may both create one; the cart_payment_collection
link's unique index lets exactly one link, and the loser's link step fails, its compensation deletes the
orphan collection, and the loser returns the winner's collection.

``initiate_payment_session`` checks the provider is enabled and offered in the cart's region, creates the
new session through its provider, then deletes the collection's other sessions through theirs (one
active session per collection, as Medusa's createPaymentSessionsWorkflow does). For a signed-in customer
the session's context carries the customer and their account holder at that provider (created and
linked on first use when the provider keeps customers), so the provider can save the method used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from paymentgraph.errors import Conflict, InvalidData, NotAllowed, not_found
from paymentgraph.workflows.engine import STOP, Step, StepContext, Workflow

if TYPE_CHECKING:
    from paymentgraph.modules.payment.dto import PaymentCollection, PaymentSession
    from paymentgraph.workflows.services import Services

CART_COLLECTION_LINK = "cart_payment_collection"
REGION_PROVIDER_LINK = "region_payment_provider"
CUSTOMER_HOLDER_LINK = "customer_account_holder"


def _cart_link(cart_id: str | None = None, collection_id: str | None = None) -> dict[str, Any]:
    return {"cart": {"cart_id": cart_id}, "payment": {"payment_collection_id": collection_id}}


async def collection_of_cart(pg: Services, cart_id: str) -> str | None:
    """The id of the cart's live payment collection, if any."""
    rows = await pg.link.list(_cart_link(cart_id=cart_id))
    return str(rows[0]["payment_collection_id"]) if rows else None


async def cart_of_collection(pg: Services, collection_id: str) -> str | None:
    rows = await pg.link.list(_cart_link(collection_id=collection_id))
    return str(rows[0]["cart_id"]) if rows else None


# ---------------------------------------------------------------- createCartPaymentCollection
async def _load_cart(ctx: StepContext) -> dict[str, Any]:
    cart_id = ctx.input["cart_id"]
    cart = await ctx.pg.cart.retrieve_cart(cart_id)
    existing = await collection_of_cart(ctx.pg, cart.id)
    if existing is not None:
        return {STOP: True, "payment_collection_id": existing}
    if cart.completed_at is not None:
        raise NotAllowed(f"Cart {cart.id} is completed; it cannot get a payment collection", cart_id=cart.id)
    return {"cart_id": cart.id, "amount": str(cart.total), "currency_code": cart.currency_code}


async def _create_collection(ctx: StepContext) -> dict[str, Any]:
    cart = ctx.results["load_cart"]
    collection = await ctx.pg.payment.create_payment_collections(
        {"amount": cart["amount"], "currency_code": cart["currency_code"]}
    )
    return {"payment_collection_id": collection.id}


async def _delete_collection(ctx: StepContext, output: dict[str, Any]) -> None:
    await ctx.pg.payment.delete_payment_collections([output["payment_collection_id"]])


async def _link_cart(ctx: StepContext) -> dict[str, Any]:
    collection_id = ctx.results["create_payment_collection"]["payment_collection_id"]
    await ctx.pg.link.create(_cart_link(ctx.input["cart_id"], collection_id))
    return {"payment_collection_id": collection_id}


async def _unlink_cart(ctx: StepContext, output: dict[str, Any]) -> None:
    await ctx.pg.link.dismiss(_cart_link(ctx.input["cart_id"], output["payment_collection_id"]))


CREATE_CART_PAYMENT_COLLECTION = Workflow(
    "create_cart_payment_collection",
    [
        Step("load_cart", _load_cart),
        Step("create_payment_collection", _create_collection, _delete_collection),
        Step("link_cart", _link_cart, _unlink_cart),
    ],
)


async def create_cart_payment_collection(
    pg: Services, cart_id: str, *, idempotency_key: str | None = None
) -> PaymentCollection:
    """The cart's payment collection, created from the cart total when the cart has none."""
    if not isinstance(cart_id, str) or not cart_id:
        raise InvalidData("cartId is required", field="cartId")
    try:
        results = await CREATE_CART_PAYMENT_COLLECTION.run(
            pg, {"cart_id": cart_id}, idempotency_key=idempotency_key
        )
    except Conflict:
        # A concurrent call linked its collection first (ours was deleted by compensation).
        winner = await collection_of_cart(pg, cart_id)
        if winner is None:
            raise
        return await pg.payment.retrieve_payment_collection(winner)
    last = results.get("link_cart") or results["load_cart"]
    return await pg.payment.retrieve_payment_collection(last["payment_collection_id"])


# ---------------------------------------------------------------- initiatePaymentSession
async def _check_provider(ctx: StepContext) -> dict[str, Any]:
    collection_id, provider_id = ctx.input["payment_collection_id"], ctx.input["provider_id"]
    collection = await ctx.pg.payment.retrieve_payment_collection(collection_id)
    cart_id = await cart_of_collection(ctx.pg, collection.id)
    if cart_id is None:
        raise NotAllowed(
            f"Payment collection {collection.id} does not belong to a cart",
            payment_collection_id=collection.id,
        )
    cart = await ctx.pg.cart.retrieve_cart(cart_id)
    if cart.completed_at is not None:
        raise NotAllowed(f"Cart {cart.id} is completed; its payment cannot change", cart_id=cart.id)
    providers = await ctx.pg.payment.list_payment_providers({"id": provider_id})
    if not providers:
        raise not_found("PaymentProvider", provider_id)
    if not providers[0].is_enabled:
        raise NotAllowed(f"Payment provider {provider_id} is not enabled", provider_id=provider_id)
    offered = await ctx.pg.link.list(
        {"region": {"region_id": cart.region_id}, "payment": {"payment_provider_id": provider_id}}
    )
    if not offered:
        raise NotAllowed(
            f"Payment provider {provider_id} is not offered in region {cart.region_id} of cart {cart.id}",
            provider_id=provider_id,
            region_id=cart.region_id,
            cart_id=cart.id,
        )
    return {"cart_id": cart.id, "cart_total": str(cart.total), "amount": str(collection.amount)}


async def _sync_amount(ctx: StepContext) -> dict[str, Any]:
    """Bring the collection to the cart's current total (the cart may have changed since it was made)."""
    checked = ctx.results["check_provider"]
    if checked["amount"] == checked["cart_total"]:
        return {"changed": False}
    await ctx.pg.payment.update_payment_collections(
        ctx.input["payment_collection_id"], {"amount": checked["cart_total"]}
    )
    return {"changed": True, "previous_amount": checked["amount"]}


async def _restore_amount(ctx: StepContext, output: dict[str, Any]) -> None:
    if output.get("changed"):
        await ctx.pg.payment.update_payment_collections(
            ctx.input["payment_collection_id"], {"amount": output["previous_amount"]}
        )


async def _customer_account_holder(ctx: StepContext) -> dict[str, Any]:
    """The session context of a signed-in customer: them, and their account holder at the provider."""
    customer_id, provider_id = ctx.input.get("customer_id"), ctx.input["provider_id"]
    if not customer_id:
        return {"context": {}}
    found = await ctx.pg.customer.retrieve_customer(customer_id)
    customer = {
        "id": found.id, "email": found.email, "first_name": found.first_name, "last_name": found.last_name
    }  # fmt: skip
    linked = await ctx.pg.link.list(
        {"customer": {"customer_id": customer_id}, "payment": {"account_holder_id": None}}
    )
    holder_ids = [str(row["account_holder_id"]) for row in linked]
    holders = (
        await ctx.pg.payment.list_account_holders({"id": holder_ids, "provider_id": provider_id})
        if holder_ids
        else []
    )
    holder = holders[0] if holders else None
    if holder is None:
        holder = await ctx.pg.payment.create_account_holder(
            {"provider_id": provider_id, "context": {"customer": customer}}
        )
        if holder is None:  # the provider keeps no customers (the system provider)
            return {"context": {"customer": customer}}
        await ctx.pg.link.create_link(CUSTOMER_HOLDER_LINK, customer_id, holder.id)
    account_holder = {
        "id": holder.id,
        "provider_id": holder.provider_id,
        "external_id": holder.external_id,
        "email": holder.email,
        "data": holder.data or {},
    }
    return {"context": {"customer": customer, "account_holder": account_holder}}


async def _create_session(ctx: StepContext) -> dict[str, Any]:
    context = ctx.results["account_holder"]["context"]
    session = await ctx.pg.payment.create_payment_session(
        ctx.input["payment_collection_id"],
        {
            "provider_id": ctx.input["provider_id"],
            "data": dict(ctx.input.get("data") or {}),
            **({"context": context} if context else {}),
        },
    )
    return {"payment_session_id": session.id}


async def _delete_session(ctx: StepContext, output: dict[str, Any]) -> None:
    await ctx.pg.payment.delete_payment_session(output["payment_session_id"])


async def _delete_other_sessions(ctx: StepContext) -> dict[str, Any]:
    keep = ctx.results["create_session"]["payment_session_id"]
    sessions = await ctx.pg.payment.list_payment_sessions(
        {"payment_collection_id": ctx.input["payment_collection_id"]}
    )
    deleted = []
    for session in sessions:
        if session.id != keep:
            await ctx.pg.payment.delete_payment_session(session.id)
            deleted.append(session.id)
    # Deleted provider payments cannot be brought back; an error before here keeps them all.
    return {"deleted": deleted}


INITIATE_PAYMENT_SESSION = Workflow(
    "initiate_payment_session",
    [
        Step("check_provider", _check_provider),
        Step("sync_amount", _sync_amount, _restore_amount),
        Step("account_holder", _customer_account_holder),
        Step("create_session", _create_session, _delete_session),
        Step("delete_other_sessions", _delete_other_sessions),
    ],
    # One session change per collection at a time, so two initiations cannot delete each other's.
    lock_key=lambda input: f"payment_collection:{input['payment_collection_id']}",
)


async def initiate_payment_session(
    pg: Services,
    payment_collection_id: str,
    provider_id: str,
    data: object = None,
    *,
    idempotency_key: str | None = None,
    customer_id: str | None = None,
) -> PaymentSession:
    """Create a session with ``provider_id`` for a cart's collection, replacing its other sessions.

    ``customer_id``: the signed-in customer paying, whose account holder the session carries.
    """
    if data is not None and not isinstance(data, Mapping):
        raise InvalidData("data must be an object", field="data")
    input = {
        "payment_collection_id": payment_collection_id,
        "provider_id": provider_id,
        "data": dict(data or {}),
        **({"customer_id": customer_id} if customer_id else {}),
    }
    results = await INITIATE_PAYMENT_SESSION.run(pg, input, idempotency_key=idempotency_key)
    return await pg.payment.retrieve_payment_session(results["create_session"]["payment_session_id"])
