"""The built-in link definitions, one file each. Adding a link is adding a file and listing it here."""

from __future__ import annotations

from paymentgraph.links.definitions.cart_payment_collection import LINK as CART_PAYMENT_COLLECTION
from paymentgraph.links.definitions.customer_account_holder import LINK as CUSTOMER_ACCOUNT_HOLDER
from paymentgraph.links.definitions.order_claim_payment_collection import (
    LINK as ORDER_CLAIM_PAYMENT_COLLECTION,
)
from paymentgraph.links.definitions.order_exchange_payment_collection import (
    LINK as ORDER_EXCHANGE_PAYMENT_COLLECTION,
)
from paymentgraph.links.definitions.order_payment_collection import LINK as ORDER_PAYMENT_COLLECTION
from paymentgraph.links.definitions.readonly import READ_ONLY_LINKS
from paymentgraph.links.definitions.region_payment_provider import LINK as REGION_PAYMENT_PROVIDER

LINKS = (
    CART_PAYMENT_COLLECTION,
    CUSTOMER_ACCOUNT_HOLDER,
    ORDER_PAYMENT_COLLECTION,
    ORDER_CLAIM_PAYMENT_COLLECTION,
    ORDER_EXCHANGE_PAYMENT_COLLECTION,
    REGION_PAYMENT_PROVIDER,
)

__all__ = ["LINKS", "READ_ONLY_LINKS"]
