"""The ``event`` entity for the query graph and the schema: ``events(filter, skip, take)``, newest first."""

from __future__ import annotations

from paymentgraph.db.entity import Facts, declare
from paymentgraph.events.outbox import OutboxEvent

EVENT = declare(
    "event",
    OutboxEvent,
    facts={"name": Facts(description="Medusa's dotted name, e.g. payment.captured")},
    # The dispatcher's bookkeeping (commit order, per-entity order, fan-out), not part of the event.
    hidden=("seq", "entity_id", "dispatched_at"),
    description="A domain event, written in the same transaction as the change it describes.",
    # Without orderBy a list is newest first (ids grow as events are written, so they break ties).
    default_order={"created_at": "DESC", "id": "DESC"},
)

ENTITIES = (EVENT,)
