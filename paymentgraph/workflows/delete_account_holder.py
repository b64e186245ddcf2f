"""Deleting an account holder: at its provider, here, and its customer link.

The payment module cannot see links: without this the customer_account_holder link would keep pointing
at a holder that no longer exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from paymentgraph.workflows.services import Services


async def delete_account_holder(pg: Services, account_holder_id: str) -> None:
    """Delete the holder at its provider and here (NOT_FOUND first), then soft-delete its link rows."""
    await pg.payment.delete_account_holder(account_holder_id)
    await pg.link.delete({"payment": {"account_holder_id": [account_holder_id]}})
