"""Collection status and amounts, derived from its sessions, payments, captures and refunds.

Unlike Medusa (reference section 4.10, quirks 1 and 2) this runs after every change that can move
the numbers, and authorized_amount counts only sessions in the collection's currency whose payment
is live and not canceled.

Status, first match wins (captured = succeeded captures only; refunds never change status):

- ``completed`` when captured >= amount (and something was captured or authorized; sets completed_at);
- ``partially_captured`` when 0 < captured < amount (Medusa sets it only when a collection is canceled,
  so a partly captured collection there still reads ``authorized``);
- ``authorized`` / ``partially_authorized`` when the authorized amount covers the amount / is above 0;
- ``awaiting`` when there are sessions, ``not_paid`` when there are none.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.types import utcnow
from paymentgraph.modules.payment import models
from paymentgraph.modules.payment.repository import collections as collection_repo
from paymentgraph.modules.payment.repository import common

ZERO = Decimal(0)


async def recompute_collection(session: AsyncSession, collection_id: str) -> None:
    """Recompute and store one collection's status and amounts (call inside the write transaction)."""
    collection = await common.get(session, models.PaymentCollection, collection_id, lock=True)
    if collection is None:
        return
    sessions = await collection_repo.sessions_of(session, [collection_id])
    payments = await collection_repo.payments_of(session, [collection_id])
    live_payment_sessions = {p.payment_session_id for p in payments if p.canceled_at is None}

    authorized = sum(
        (
            s.amount
            for s in sessions
            if s.status == "authorized"
            and s.currency_code == collection.currency_code
            and s.id in live_payment_sessions
        ),
        ZERO,
    )
    # Payments' running sums hold succeeded captures and refunds only (pending ones are not money yet).
    captured = sum((p.captured_amount for p in payments), ZERO)
    refunded = sum((p.refunded_amount for p in payments), ZERO)

    if not sessions:
        status = "not_paid"
    elif authorized > 0:
        status = "authorized" if authorized >= collection.amount else "partially_authorized"
    else:
        status = "awaiting"
    values: dict[str, object] = {}
    # A zero-amount collection is complete once something was authorized, not merely at first sight.
    if captured >= collection.amount and (captured > 0 or authorized > 0):
        status = "completed"
        if collection.completed_at is None:
            values["completed_at"] = utcnow()
    elif captured > 0:
        status = "partially_captured"
    values.update(
        status=status,
        authorized_amount=authorized,
        captured_amount=captured,
        refunded_amount=refunded,
    )
    changed = {k: v for k, v in values.items() if getattr(collection, common.attribute(k)) != v}
    if changed:
        await common.update(session, collection, changed)
