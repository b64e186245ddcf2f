"""What the served app registers for merchant webhooks on ``pg.handlers``."""

from __future__ import annotations

from paymentgraph.events.registry import Loop, Subscriber
from paymentgraph.events.webhooks.deliveries import delivery_subscriber
from paymentgraph.events.webhooks.sender import sender_loop


def merchant_webhooks() -> list[Subscriber | Loop]:
    """The subscriber that makes deliveries and the loop that sends them."""
    return [delivery_subscriber(), sender_loop()]
