"""The customer module's entity declarations."""

from __future__ import annotations

from paymentgraph.db.entity import EntityDef, Field
from paymentgraph.db.entity import FieldKind as K
from paymentgraph.db.reach import EVERYONE, SIGNED_IN, Reach
from paymentgraph.modules.customer import models

CUSTOMER = EntityDef(
    name="customer",
    table=models.Customer.__table__,  # type: ignore[arg-type]
    graphql_name="Customer",
    fields=(
        Field("id", K.ID),
        Field("email", K.STRING),
        Field("first_name", K.STRING, nullable=True),
        Field("last_name", K.STRING, nullable=True),
        Field("metadata", K.JSON, nullable=True, filterable=False, sortable=False),
        Field("created_at", K.DATETIME),
        Field("updated_at", K.DATETIME),
    ),
    # Customer data: never a guest's to read (only the id, which a cart already holds); a customer sees
    # only themself.
    reach=Reach(readable=SIGNED_IN, fields={"id": EVERYONE}, owner_key="id"),
)

ENTITIES = (CUSTOMER,)
