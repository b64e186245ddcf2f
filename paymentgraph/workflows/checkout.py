"""Completing a cart: validate, authorize, create the order, link it to the payment, mark the cart done.

``complete_cart(pg, cart_id, idempotency_key=k)`` runs :data:`COMPLETE_CART` under a per-cart lock, so
concurrent completions of one cart run one after the other: the first creates the order, the others
find the cart completed and return that order. Each step is idempotent, so a run resumed after a
crash (same key) or a new run after an interrupted one never authorizes twice or makes two orders.

- A failure after authorization cancels the payment (or refunds it if the provider captured at once)
  and leaves the cart open.
- An authorization that needs more from the customer fails with ``PAYMENT_REQUIRES_MORE``; the session
  keeps that status for the client to finish, then a new ``completeCart`` completes.
- Unlike Medusa (issue #16407), the collection must still match the cart total.
- An asynchronous payment method (SEPA debit, ACH, bank transfer: the provider reports authorization
  in progress, session ``pending_authorization``) places the order without a payment; the provider's
  webhook later creates the payment, or marks the session ``error`` and the order's payment then needs
  action.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from paymentgraph.errors import AuthorizationPending, InvalidData, NotAllowed, NotFound
from paymentgraph.workflows.cart_payment import collection_of_cart
from paymentgraph.workflows.engine import STOP, Step, StepContext, Workflow

if TYPE_CHECKING:
    from paymentgraph.modules.order.dto import OrderDTO
    from paymentgraph.workflows.services import Services

# Sessions that may still be authorized, in order of preference (an authorized one is reused).
_AUTHORIZABLE = ("authorized", "captured", "pending_authorization", "pending", "requires_more")


async def _order_of_cart(ctx: StepContext, cart_id: str) -> str | None:
    orders = await ctx.pg.order.list_orders({"cart_id": cart_id}, take=1)
    return orders[0].id if orders else None


async def _validate_cart(ctx: StepContext) -> dict[str, Any]:
    cart = await ctx.pg.cart.retrieve_cart(ctx.input["cart_id"])
    if cart.completed_at is not None:
        order_id = await _order_of_cart(ctx, cart.id)
        if order_id is None:
            raise NotAllowed(f"Cart {cart.id} is completed but has no order", cart_id=cart.id)
        return {STOP: True, "order_id": order_id}
    if not cart.items or cart.total <= 0:
        # An order of nothing (or of nothing to pay) is a mistake of the storefront's, not a sale.
        raise NotAllowed(
            f"Cart {cart.id} has no items to order"
            if not cart.items
            else f"Cart {cart.id} totals {cart.total} {cart.currency_code.upper()}; there is nothing to pay",
            cart_id=cart.id,
        )
    collection_id = await collection_of_cart(ctx.pg, cart.id)
    if collection_id is None:
        raise NotAllowed(f"Payment collection has not been initiated for cart {cart.id}", cart_id=cart.id)
    collection = await ctx.pg.payment.retrieve_payment_collection(collection_id)
    if collection.amount != cart.total or collection.currency_code != cart.currency_code:
        raise NotAllowed(
            f"Payment collection {collection.id} is for {collection.amount} "
            f"{collection.currency_code.upper()} but cart {cart.id} totals {cart.total} "
            f"{cart.currency_code.upper()}; "
            "initiate the payment session again",
            cart_id=cart.id,
            payment_collection_id=collection.id,
        )
    sessions = await ctx.pg.payment.list_payment_sessions({"payment_collection_id": collection.id})
    payments = await ctx.pg.payment.list_payments({"payment_collection_id": collection.id})
    # A session whose payment was canceled (e.g. by an earlier failed completion) cannot pay again.
    spent = {p.payment_session_id for p in payments if p.canceled_at is not None}
    usable = [
        s for s in sessions if s.status in _AUTHORIZABLE and s.amount == cart.total and s.id not in spent
    ]
    if not usable:
        hint = "; initiate a new payment session" if sessions else ""
        raise NotAllowed(
            f"Payment sessions are required to complete cart {cart.id}{hint}",
            cart_id=cart.id,
            payment_collection_id=collection.id,
        )
    usable.sort(key=lambda s: (_AUTHORIZABLE.index(s.status), s.created_at))
    return {"payment_collection_id": collection.id, "payment_session_id": usable[0].id}


async def _authorize(ctx: StepContext) -> dict[str, Any]:
    session_id = ctx.results["validate_cart"]["payment_session_id"]
    # Idempotent in the payment module: a session that has its payment returns it, no provider call.
    try:
        payment = await ctx.pg.payment.authorize_payment_session(session_id)
    except AuthorizationPending:
        # The money is on its way (asynchronous method): the order is placed, the webhook settles it.
        return {"payment_id": None, "pending_authorization": True}
    return {"payment_id": payment.id}


async def _release_payment(ctx: StepContext, output: dict[str, Any]) -> None:
    if output.get("payment_id") is None:
        return  # authorization still in progress: nothing is held yet
    payment = await ctx.pg.payment.retrieve_payment(output["payment_id"])
    if payment.captured_amount > payment.refunded_amount:
        # Captured at once by the provider: the money must go back, a cancel is refused.
        await ctx.pg.payment.refund_payment(
            {"payment_id": payment.id, "note": "Refunded due to cart completion failure"}
        )
    else:
        await ctx.pg.payment.cancel_payment(payment.id)


async def _create_order(ctx: StepContext) -> dict[str, Any]:
    cart_id = ctx.input["cart_id"]
    existing = await _order_of_cart(ctx, cart_id)
    if existing is not None:  # made by this run before a crash
        return {"order_id": existing}
    cart = await ctx.pg.cart.retrieve_cart(cart_id)
    order = await ctx.pg.order.create_orders(
        {
            "cart_id": cart.id,
            "region_id": cart.region_id,
            "currency_code": cart.currency_code,
            "email": cart.email,
            "customer_id": cart.customer_id,
            "items": [
                {"title": item.title, "quantity": item.quantity, "unit_price": item.unit_price}
                for item in cart.items
            ],
        }
    )
    return {"order_id": order.id}


async def _delete_order(ctx: StepContext, output: dict[str, Any]) -> None:
    # Only the order's own rows: its payment link was dismissed just before (a link cascade from the
    # order would soft-delete the cart's payment collection).
    await ctx.pg.order.delete_orders([output["order_id"]])


def _order_link(ctx: StepContext) -> dict[str, Any]:
    return {
        "order": {"order_id": ctx.results["create_order"]["order_id"]},
        "payment": {"payment_collection_id": ctx.results["validate_cart"]["payment_collection_id"]},
    }


async def _link_order(ctx: StepContext) -> dict[str, Any]:
    await ctx.pg.link.create(_order_link(ctx))  # re-creating a live pair returns it (idempotent)
    return {}


async def _unlink_order(ctx: StepContext, output: dict[str, Any]) -> None:
    await ctx.pg.link.dismiss(_order_link(ctx))


async def _mark_completed(ctx: StepContext) -> dict[str, Any]:
    await ctx.pg.cart.complete_cart(ctx.input["cart_id"])  # idempotent
    return {"order_id": ctx.results["create_order"]["order_id"]}


COMPLETE_CART = Workflow(
    "complete_cart",
    [
        Step("validate_cart", _validate_cart),
        Step("authorize_payment", _authorize, _release_payment),
        Step("create_order", _create_order, _delete_order),
        Step("link_order_payment_collection", _link_order, _unlink_order),
        # The last step: nothing after it can fail, so it has nothing to undo.
        Step("complete_cart", _mark_completed),
    ],
    lock_key=lambda input: f"cart:{input['cart_id']}",
)


async def complete_cart(pg: Services, cart_id: str, *, idempotency_key: str | None = None) -> OrderDTO:
    """Complete the cart (or return the order of an already completed cart)."""
    if not isinstance(cart_id, str) or not cart_id:
        raise InvalidData("cartId is required", field="cartId")
    results = await COMPLETE_CART.run(pg, {"cart_id": cart_id}, idempotency_key=idempotency_key)
    last = results.get("complete_cart") or results["validate_cart"]
    try:
        return await pg.order.retrieve_order(last["order_id"])
    except NotFound:
        raise NotAllowed(f"The order of cart {cart_id} was deleted", cart_id=cart_id) from None
