"""The order module's entity declarations."""

from __future__ import annotations

from paymentgraph.db.entity import EntityDef, Field, Relation
from paymentgraph.db.entity import FieldKind as K
from paymentgraph.db.reach import EVERYONE, Reach
from paymentgraph.modules.order import models

ORDER = EntityDef(
    name="order",
    table=models.Order.__table__,  # type: ignore[arg-type]
    graphql_name="Order",
    fields=(
        Field("id", K.ID),
        Field("display_id", K.INT),
        Field("email", K.STRING, nullable=True),
        Field("currency_code", K.STRING, lowercase=True),
        Field("total", K.DECIMAL),
        Field("region_id", K.ID),
        Field("customer_id", K.ID, nullable=True),
        Field("cart_id", K.ID, nullable=True),
        Field("metadata", K.JSON, nullable=True, filterable=False, sortable=False),
        Field("created_at", K.DATETIME),
        Field("updated_at", K.DATETIME),
    ),
    relations=(
        Relation("items", "order_line_item", True, "id", "order_id"),
        Relation("claims", "order_claim", True, "id", "order_id"),
        Relation("exchanges", "order_exchange", True, "id", "order_id"),
    ),
    reach=Reach(by_id=EVERYONE, owner_key="customer_id"),  # as a cart: a guest's order by its id
)

ORDER_LINE_ITEM = EntityDef(
    name="order_line_item",
    table=models.OrderLineItem.__table__,  # type: ignore[arg-type]
    graphql_name="OrderLineItem",
    fields=(
        Field("id", K.ID),
        Field("order_id", K.ID),
        Field("title", K.STRING),
        Field("quantity", K.INT),
        Field("unit_price", K.DECIMAL),
        Field("total", K.DECIMAL),
        Field("created_at", K.DATETIME),
    ),
)

ORDER_CLAIM = EntityDef(
    name="order_claim",
    table=models.OrderClaim.__table__,  # type: ignore[arg-type]
    graphql_name="OrderClaim",
    fields=(
        Field("id", K.ID),
        Field("order_id", K.ID),
        Field("type", K.STRING),
        Field("created_at", K.DATETIME),
        Field("updated_at", K.DATETIME),
    ),
    relations=(Relation("order", "order", False, "order_id", "id", False),),
)

ORDER_EXCHANGE = EntityDef(
    name="order_exchange",
    table=models.OrderExchange.__table__,  # type: ignore[arg-type]
    graphql_name="OrderExchange",
    fields=(
        Field("id", K.ID),
        Field("order_id", K.ID),
        Field("created_at", K.DATETIME),
        Field("updated_at", K.DATETIME),
    ),
    relations=(Relation("order", "order", False, "order_id", "id", False),),
)

ENTITIES = (ORDER, ORDER_LINE_ITEM, ORDER_CLAIM, ORDER_EXCHANGE)
