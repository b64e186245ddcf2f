"""Completing a cart from a payment webhook (Medusa's processPaymentWorkflow, reference section 7.3).

A customer may pay and close the tab before the client calls ``completeCart``; the provider's webhook
then says the payment was authorized or captured. When that session's collection belongs to a cart that
has no order yet, the hook runs the same ``complete_cart`` workflow as the mutation. The workflow's
per-cart lock serialises it with a client's ``completeCart`` (issue #13301), and every step is
idempotent, so the two make one order and one payment whichever comes first.

The payment module cannot see carts (modules never import workflows), so the connection
(``PaymentGraph``) registers :func:`cart_completion_hook` with ``pg.payment.add_webhook_hook``. A
failure here is logged by the module and kept on the processed event, which is applied again on its
next delivery or retry.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from paymentgraph.modules.payment.webhooks import WebhookApplied
from paymentgraph.workflows.cart_payment import cart_of_collection
from paymentgraph.workflows.checkout import complete_cart

if TYPE_CHECKING:
    from paymentgraph.workflows.services import Services

logger = logging.getLogger(__name__)

# Pending events reach hooks too (as in Medusa), but completing a cart needs the money authorized.
COMPLETING_ACTIONS = frozenset({"authorized", "captured"})


def cart_completion_hook(pg: Services) -> Callable[[WebhookApplied], Awaitable[None]]:
    """The hook that completes the cart of a collection paid through a webhook (see the module doc)."""

    async def complete_paid_cart(applied: WebhookApplied) -> None:
        if applied.action not in COMPLETING_ACTIONS or applied.payment_id is None:
            return
        cart_id = await cart_of_collection(pg, applied.payment_collection_id)
        if cart_id is None:
            return
        if await pg.order.list_orders({"cart_id": cart_id}, take=1):
            return  # completed already (the workflow would find that too, under the lock)
        order = await complete_cart(pg, cart_id)
        logger.info("webhook event %s completed cart %s as order %s", applied.event_id, cart_id, order.id)

    return complete_paid_cart
