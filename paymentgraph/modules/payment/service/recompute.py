"""Collection status and amounts, derived from its sessions, payments, captures and refunds.

Unlike Medusa (reference section 4.10, quirks 1 and 2) this runs after every change that can move
the numbers, and authorized_amount counts only sessions in the collection's currency whose payment
is live and not canceled.

refunded_amount counts succeeded refunds and the money disputes hold withdrawn (a chargeback returned
it to the customer as a refund would; a dispute won and reinstated no longer counts).

Status, first match wins (captured = succeeded captures only; refunds never change status):

- ``completed`` when captured >= amount (and something was captured or authorized; sets completed_at);
- ``partially_captured`` when 0 < captured < amount (Medusa sets it only when a collection is canceled,
  so a partly captured collection there still reads ``authorized``);
- ``authorized`` / ``partially_authorized`` when the authorized amount covers the amount / is above 0;
- ``canceled`` when the collection was canceled (``cancel_payment_collection``, ``canceled_at`` set: it
  stays so) or when it has sessions and every one of them is canceled (nothing live is left; a new
  session reopens it);
- ``awaiting`` when there are sessions, ``not_paid`` when there are none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from paymentgraph.db.types import utcnow
from paymentgraph.events.outbox import event_row
from paymentgraph.modules.payment import models
from paymentgraph.modules.payment.repository import collections as collection_repo

ZERO = Decimal(0)


async def recompute_collection(session: AsyncSession, collection_id: str) -> dict[str, Any]:
    """Recompute and store one collection's status and amounts (call inside the write transaction).

    Returns what changed (empty: nothing); a change records ``payment_collection.updated``.
    """
    conn = await session.connection()
    collection = await collection_repo.lock_collection(conn, collection_id)
    if collection is None:
        return {}
    changed = await recompute_locked(conn, collection)
    if changed:
        # Keep a collection the caller loaded through the ORM in this session in step with the row.
        loaded = session.sync_session.identity_map.get(identity_key(models.PaymentCollection, collection_id))
        if loaded is not None:
            for key, value in changed.items():
                set_committed_value(loaded, key, value)
    return changed


async def recompute_locked(
    conn: AsyncConnection,
    collection: Mapping[Any, Any],
    facts: Sequence[Mapping[Any, Any]] | None = None,
) -> dict[str, Any]:
    """Recompute a collection the caller has row-locked in this transaction; returns what changed.

    The lock must be taken before the sessions and payments are read (here, or by the caller who
    passes ``facts``: ``collection_repo.write_then_read_facts``), so that on PostgreSQL the read sees
    every change committed by a writer the lock waited for.
    """
    if facts is None:
        facts = list(await collection_repo.recompute_facts(conn, collection["id"]))
    changed, events = recomputed(collection, facts)
    # Always: on PostgreSQL a new row version even when nothing moved (see write_recomputed).
    await collection_repo.write_recomputed(conn, collection["id"], changed, events=events)
    return changed


def recomputed(
    collection: Mapping[Any, Any], facts: Sequence[Mapping[Any, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What a collection's row must become given its ``facts`` (``collection_repo.recompute_facts``):
    the changed values (empty: none) and the events that record them."""
    sessions = [f for f in facts if f["kind"] == "s"]
    payments = [f for f in facts if f["kind"] == "p"]
    live_payment_sessions = {p["session_id"] for p in payments if p["status"] == "live"}

    authorized = sum(
        (
            s["a1"]
            for s in sessions
            if s["status"] == "authorized"
            and s["currency_code"] == collection["currency_code"]
            and s["session_id"] in live_payment_sessions
        ),
        ZERO,
    )
    # Payments' running sums hold succeeded captures and refunds only (pending ones are not money yet).
    captured = sum((p["a1"] for p in payments), ZERO)
    refunded = sum((p["a2"] for p in payments), ZERO)
    refunded += sum((f["a2"] for f in facts if f["kind"] == "d"), ZERO)
    amount = collection["amount"]

    if not sessions:
        status = "not_paid"
    elif authorized > 0:
        status = "authorized" if authorized >= amount else "partially_authorized"
    else:
        status = "awaiting"
    values: dict[str, Any] = {}
    # A zero-amount collection is complete once something was authorized, not merely at first sight.
    if captured >= amount and (captured > 0 or authorized > 0):
        status = "completed"
        if collection["completed_at"] is None:
            values["completed_at"] = utcnow()
    elif captured > 0:
        status = "partially_captured"
    elif collection["canceled_at"] is not None or (
        sessions and all(s["status"] == "canceled" for s in sessions)
    ):
        status = "canceled"
    values.update(
        status=status,
        authorized_amount=authorized,
        captured_amount=captured,
        refunded_amount=refunded,
    )
    changed = {k: v for k, v in values.items() if collection[k] != v}
    events = []
    if changed:
        changed["updated_at"] = utcnow()
        events.append(event_row("payment_collection.updated", {"id": collection["id"], "status": status}))
        if "completed_at" in changed:
            events.append(event_row("payment_collection.completed", {"id": collection["id"]}))
    return changed, events
