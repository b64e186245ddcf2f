"""The cart module's entity declarations."""

from __future__ import annotations

from paymentgraph.db.entity import LOWERCASE, OTHER_ID, Facts, Relation, declare
from paymentgraph.db.reach import EVERYONE, Reach
from paymentgraph.modules.cart import models

LINE_ITEM = declare(
    "line_item",
    models.LineItem,
    hidden=("updated_at",),  # the schema has never served it
)

CART = declare(
    "cart",
    models.Cart,
    facts={
        "currency_code": LOWERCASE,
        "region_id": OTHER_ID,
        "customer_id": OTHER_ID,
        "total": Facts(description="Sum of the item totals"),
    },
    relations=(Relation("items", "line_item", True, "id", "cart_id"),),
    # A guest cart (no customer) is reachable by its id, which only its guest knows; a customer's cart
    # exists only for that customer and the admin.
    reach=Reach(by_id=EVERYONE, owner_key="customer_id"),
)

ENTITIES = (CART, LINE_ITEM)
