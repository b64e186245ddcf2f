"""The order module's entity declarations."""

from __future__ import annotations

from paymentgraph.db.entity import LOWERCASE, OTHER_ID, Relation, declare
from paymentgraph.db.reach import EVERYONE, Reach
from paymentgraph.modules.order import models

ORDER = declare(
    "order",
    models.Order,
    facts={
        "currency_code": LOWERCASE,
        "region_id": OTHER_ID,
        "customer_id": OTHER_ID,
        "cart_id": OTHER_ID,
    },
    relations=(
        Relation("items", "order_line_item", True, "id", "order_id"),
        Relation("claims", "order_claim", True, "id", "order_id"),
        Relation("exchanges", "order_exchange", True, "id", "order_id"),
    ),
    reach=Reach(by_id=EVERYONE, owner_key="customer_id"),  # as a cart: a guest's order by its id
)

ORDER_LINE_ITEM = declare(
    "order_line_item",
    models.OrderLineItem,
    hidden=("updated_at",),  # the schema has never served it
)

ORDER_CLAIM = declare(
    "order_claim",
    models.OrderClaim,
    relations=(Relation("order", "order", False, "order_id", "id", False),),
)

ORDER_EXCHANGE = declare(
    "order_exchange",
    models.OrderExchange,
    relations=(Relation("order", "order", False, "order_id", "id", False),),
)

ENTITIES = (ORDER, ORDER_LINE_ITEM, ORDER_CLAIM, ORDER_EXCHANGE)
