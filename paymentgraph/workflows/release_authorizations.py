"""Releasing the money held for abandoned carts (Saleor's "release funds for expired checkouts").

An authorization holds the customer's money until it is captured or canceled. A cart that was paid
(its session authorized) but never became an order keeps that hold until the provider drops it (Stripe:
7 days for cards). ``release_abandoned_authorizations`` cancels, through their provider:

- authorized, uncaptured payments whose collection belongs to a cart that has no order, when both the
  authorization and the cart's last change are older than ``older_than``
  (``PAYMENTGRAPH_ABANDONED_AUTHORIZATION_HOURS``); a collection without a cart (an admin's) is left to
  its owner;
- any authorized, uncaptured payment whose authorization expired (``Payment.authorization_expires_at``):
  the provider no longer holds the money, and the records say so.

Each cancellation of a cart's payment runs under the cart's lock (the one ``completeCart`` takes) and
checks again there that the cart has no order, so a customer completing the cart at that moment either
finishes first (and the payment is kept) or finds the payment canceled and pays again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from paymentgraph.db.types import utcnow
from paymentgraph.errors import DomainError
from paymentgraph.workflows.engine import Step, StepContext, Workflow

if TYPE_CHECKING:
    from paymentgraph.modules.payment.dto import Payment
    from paymentgraph.workflows.services import Services

ABANDONED = "abandoned"
EXPIRED = "expired"
# Held payments are looked at in batches: three statements (links, carts, orders) per batch.
BATCH = 200


@dataclass(frozen=True)
class ReleasedAuthorization:
    """One payment the task canceled (``outcome`` released) or could not (failed, ``error`` says why)."""

    payment_id: str
    payment_collection_id: str
    cart_id: str | None
    reason: str  # abandoned | expired
    outcome: str  # released | kept | failed
    error: str | None = None


async def _cancel_unless_ordered(ctx: StepContext) -> dict[str, Any]:
    cart_id = ctx.input.get("cart_id")
    # Under the cart's lock: a completeCart that won the race made an order with this payment.
    abandoned = ctx.input["reason"] == ABANDONED and cart_id is not None
    if abandoned and await ctx.pg.order.list_orders({"cart_id": cart_id}, take=1):
        return {"outcome": "kept"}
    payment = await ctx.pg.payment.retrieve_payment(ctx.input["payment_id"])
    if payment.canceled_at is not None or payment.captured_amount > 0:
        return {"outcome": "kept"}
    await ctx.pg.payment.cancel_payment(payment.id)
    return {"outcome": "released"}


def _lock_key(input: Mapping[str, Any]) -> str:
    """The cart's lock, the one completeCart takes (a payment without a cart locks only itself)."""
    return f"cart:{input['cart_id']}" if input.get("cart_id") else f"payment:{input['payment_id']}"


RELEASE_AUTHORIZATION = Workflow(
    "release_abandoned_authorization",
    [Step("cancel_payment", _cancel_unless_ordered)],
    lock_key=lambda input: (
        f"cart:{input['cart_id']}" if input.get("cart_id") else f"pay:{input['payment_id']}"
    ),
)


async def release_abandoned_authorizations(
    pg: Services, *, older_than: timedelta | None, now: datetime | None = None
) -> list[ReleasedAuthorization]:
    """Cancel held authorizations of abandoned carts (``older_than`` None: only expired ones)."""
    now = now or utcnow()
    cutoff = now - older_than if older_than is not None else None
    held = await pg.payment.list_held_authorizations(authorized_before=cutoff, now=now)
    done: list[ReleasedAuthorization] = []
    for start in range(0, len(held), BATCH):
        for payment, cart_id, reason in await _due(pg, held[start : start + BATCH], cutoff, now):
            done.append(await _release(pg, payment, cart_id, reason))
    return done


async def _due(
    pg: Services, payments: Sequence[Payment], cutoff: datetime | None, now: datetime
) -> list[tuple[Payment, str | None, str]]:
    """The payments of the batch to release, with their cart and why."""
    links = await pg.link.list(
        {
            "cart": {"cart_id": None},
            "payment": {"payment_collection_id": [p.payment_collection_id for p in payments]},
        }
    )
    cart_of = {str(row["payment_collection_id"]): str(row["cart_id"]) for row in links}
    cart_ids = sorted(set(cart_of.values()))
    carts = {c.id: c for c in await pg.cart.list_carts({"id": cart_ids})} if cart_ids else {}
    ordered = {o.cart_id for o in await pg.order.list_orders({"cart_id": cart_ids})} if cart_ids else set()
    due: list[tuple[Payment, str | None, str]] = []
    for payment in payments:
        cart_id = cart_of.get(payment.payment_collection_id)
        expires = payment.authorization_expires_at
        if expires is not None and expires <= now:
            due.append((payment, cart_id, EXPIRED))
            continue
        cart = carts.get(cart_id) if cart_id else None
        if cutoff is None or cart is None or cart.id in ordered or cart.completed_at is not None:
            continue
        if payment.created_at < cutoff and cart.updated_at < cutoff:
            due.append((payment, cart.id, ABANDONED))
    return due


async def _release(pg: Services, payment: Payment, cart_id: str | None, reason: str) -> ReleasedAuthorization:
    def outcome(value: str, error: str | None = None) -> ReleasedAuthorization:
        return ReleasedAuthorization(payment.id, payment.payment_collection_id, cart_id, reason, value, error)

    try:
        results = await RELEASE_AUTHORIZATION.run(
            pg, {"payment_id": payment.id, "cart_id": cart_id, "reason": reason}
        )
    except DomainError as exc:
        return outcome("failed", f"{exc.code}: {exc.message}")
    except Exception as exc:  # one payment's failure does not stop the others
        return outcome("failed", f"{type(exc).__name__}: {exc}")
    return outcome(str(results["cancel_payment"]["outcome"]))
