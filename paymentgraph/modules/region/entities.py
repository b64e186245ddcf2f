"""The region module's entity declarations."""

from __future__ import annotations

from paymentgraph.db.entity import LOWERCASE, declare
from paymentgraph.db.reach import EVERYONE, Reach
from paymentgraph.modules.region import models

REGION = declare(
    "region",
    models.Region,
    facts={"currency_code": LOWERCASE},
    reach=Reach(by_id=EVERYONE),  # a storefront lists a region's payment providers
)

ENTITIES = (REGION,)
