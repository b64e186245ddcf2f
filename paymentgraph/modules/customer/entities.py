"""The customer module's entity declarations."""

from __future__ import annotations

from paymentgraph.db.entity import declare
from paymentgraph.db.reach import EVERYONE, SIGNED_IN, Reach
from paymentgraph.modules.customer import models

CUSTOMER = declare(
    "customer",
    models.Customer,
    # Customer data: never a guest's to read (only the id, which a cart already holds); a customer sees
    # only themself.
    reach=Reach(readable=SIGNED_IN, fields={"id": EVERYONE}, owner_key="id"),
)

ENTITIES = (CUSTOMER,)
