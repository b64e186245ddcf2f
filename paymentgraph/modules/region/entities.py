"""The region module's entity declarations."""

from __future__ import annotations

from paymentgraph.db.entity import EntityDef, Field
from paymentgraph.db.entity import FieldKind as K
from paymentgraph.db.reach import EVERYONE, Reach
from paymentgraph.modules.region import models

REGION = EntityDef(
    name="region",
    table=models.Region.__table__,  # type: ignore[arg-type]
    graphql_name="Region",
    fields=(
        Field("id", K.ID),
        Field("name", K.STRING),
        Field("currency_code", K.STRING, lowercase=True),
        Field("metadata", K.JSON, nullable=True, filterable=False, sortable=False),
        Field("created_at", K.DATETIME),
        Field("updated_at", K.DATETIME),
    ),
    reach=Reach(by_id=EVERYONE),  # a storefront lists a region's payment providers
)

ENTITIES = (REGION,)
