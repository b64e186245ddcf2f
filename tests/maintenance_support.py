"""Leftovers of a crash, written straight into the database: what the maintenance pass must settle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from paymentgraph import PaymentGraph
from paymentgraph.db.ids import new_id
from paymentgraph.db.types import utcnow
from paymentgraph.modules.payment import models

SYSTEM = "pp_system_default"


@dataclass(frozen=True)
class Leftovers:
    payment_id: str  # authorized 100.00 USD, with a capture of 40.00 pending for ten minutes
    capture_id: str
    session_id: str  # not authorized; a failed "authorized" webhook event names it
    event_id: str  # the stored event's id (pwhevt_...)


async def write_leftovers(pg: PaymentGraph) -> Leftovers:
    """A stale pending capture (a crash after its commit) and a failed webhook event (system provider)."""
    collection = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "100"})
    session = await pg.payment.create_payment_session(collection.id, {"provider_id": SYSTEM})
    payment = await pg.payment.authorize_payment_session(session.id)
    other = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "7"})
    unpaid = await pg.payment.create_payment_session(other.id, {"provider_id": SYSTEM})
    past = utcnow() - timedelta(minutes=10)
    capture_id, event_id = new_id("capt"), new_id("pwhevt")
    async with pg.sessionmaker() as db, db.begin():
        db.add(
            models.Capture(
                id=capture_id,
                payment_id=payment.id,
                amount=Decimal("40.00"),
                status="pending",
                created_at=past,
                updated_at=past,
            )
        )
        db.add(
            models.WebhookEvent(
                id=event_id,
                provider_id=SYSTEM,
                event_id="evt_failed_before",
                event_type="test.authorized",
                payload={"action": "authorized", "session_id": unpaid.id, "amount": None, "event": {}},
                status="failed",
                attempts=1,
                last_error="CONFLICT: the first attempt lost a race",
                created_at=past,
                updated_at=past,
            )
        )
    return Leftovers(payment.id, capture_id, unpaid.id, event_id)


async def settled(pg: PaymentGraph, leftovers: Leftovers) -> bool:
    """True once the capture is recorded and the event applied (the session got its payment)."""
    [capture] = await pg.payment.list_captures({"id": leftovers.capture_id})
    [event] = await pg.payment.list_webhook_events()
    payments = await pg.payment.list_payments({"payment_session_id": leftovers.session_id})
    return capture.status == "succeeded" and event.status == "processed" and len(payments) == 1
