"""The ``event`` entity for the query graph and the schema: ``events(filter, skip, take)``, newest first."""

from __future__ import annotations

from paymentgraph.db.entity import EntityDef, Field
from paymentgraph.db.entity import FieldKind as K
from paymentgraph.events.outbox import OutboxEvent

EVENT = EntityDef(
    name="event",
    table=OutboxEvent.__table__,  # type: ignore[arg-type]
    graphql_name="Event",
    soft_delete=False,
    description="A domain event, written in the same transaction as the change it describes.",
    fields=(
        Field("id", K.ID),
        Field("name", K.STRING, description="Medusa's dotted name, e.g. payment.captured"),
        Field("data", K.JSON, filterable=False, sortable=False),
        Field("created_at", K.DATETIME),
    ),
    # Without orderBy a list is newest first (ids grow as events are written, so they break ties).
    extra={"default_order": {"created_at": "DESC", "id": "DESC"}},
)

ENTITIES = (EVENT,)
