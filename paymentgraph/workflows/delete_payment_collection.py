"""Deleting a payment collection also dismisses its links (Medusa's removeRemoteLinkStep).

The payment module cannot see links, so its delete leaves the cart, order, claim and exchange links
pointing at nothing: the cart then keeps "its" collection forever and ``createCartPaymentCollection``
fails with NOT_FOUND for the deleted one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from paymentgraph.workflows.services import Services


async def delete_payment_collection(pg: Services, collection_id: str) -> None:
    """Delete a collection (sessions, payments, captures, refunds) and soft-delete its link rows."""
    await pg.payment.delete_payment_collections(collection_id)  # NOT_FOUND before anything changes
    await pg.link.delete({"payment": {"payment_collection_id": [collection_id]}})
