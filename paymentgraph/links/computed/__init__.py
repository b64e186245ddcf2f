"""Computed fields that cross modules, one file per concern. Adding one is a file and a line here."""

from __future__ import annotations

from paymentgraph.links.computed.order_payments import ORDER_PAYMENT_FIELDS

COMPUTED_FIELDS = (*ORDER_PAYMENT_FIELDS,)

__all__ = ["COMPUTED_FIELDS"]
