"""The cart module's entity declarations."""

from __future__ import annotations

from paymentgraph.db.entity import EntityDef, Field, Relation
from paymentgraph.db.entity import FieldKind as K
from paymentgraph.db.reach import EVERYONE, Reach
from paymentgraph.modules.cart import models

LINE_ITEM = EntityDef(
    name="line_item",
    table=models.LineItem.__table__,  # type: ignore[arg-type]
    graphql_name="LineItem",
    fields=(
        Field("id", K.ID),
        Field("cart_id", K.ID),
        Field("title", K.STRING),
        Field("quantity", K.INT),
        Field("unit_price", K.DECIMAL),
        Field("total", K.DECIMAL),
        Field("created_at", K.DATETIME),
    ),
)

CART = EntityDef(
    name="cart",
    table=models.Cart.__table__,  # type: ignore[arg-type]
    graphql_name="Cart",
    fields=(
        Field("id", K.ID),
        Field("email", K.STRING, nullable=True),
        Field("currency_code", K.STRING, lowercase=True),
        Field("region_id", K.ID),
        Field("customer_id", K.ID, nullable=True),
        Field("total", K.DECIMAL, description="Sum of the item totals"),
        Field("completed_at", K.DATETIME, nullable=True),
        Field("metadata", K.JSON, nullable=True, filterable=False, sortable=False),
        Field("created_at", K.DATETIME),
        Field("updated_at", K.DATETIME),
    ),
    relations=(Relation("items", "line_item", True, "id", "cart_id"),),
    # A guest cart (no customer) is reachable by its id, which only its guest knows; a customer's cart
    # exists only for that customer and the admin.
    reach=Reach(by_id=EVERYONE, owner_key="customer_id"),
)

ENTITIES = (CART, LINE_ITEM)
