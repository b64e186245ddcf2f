"""Order DTOs: what the order service returns (never ORM rows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from paymentgraph.db.dto import dto_from_row
from paymentgraph.modules.order.models import Order, OrderClaim, OrderExchange, OrderLineItem


@dataclass(frozen=True)
class OrderLineItemDTO:
    id: str
    order_id: str
    title: str
    quantity: int
    unit_price: Decimal
    total: Decimal
    created_at: datetime

    @classmethod
    def from_row(cls, row: OrderLineItem) -> OrderLineItemDTO:
        return dto_from_row(cls, row)


@dataclass(frozen=True)
class OrderDTO:
    id: str
    display_id: int
    region_id: str
    customer_id: str | None
    cart_id: str | None
    email: str | None
    currency_code: str
    total: Decimal
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    items: tuple[OrderLineItemDTO, ...] = ()
    deleted_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Order, items: Sequence[OrderLineItem] = ()) -> OrderDTO:
        return dto_from_row(cls, row, items=tuple(OrderLineItemDTO.from_row(item) for item in items))


@dataclass(frozen=True)
class OrderClaimDTO:
    id: str
    order_id: str
    type: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: OrderClaim) -> OrderClaimDTO:
        return dto_from_row(cls, row)


@dataclass(frozen=True)
class OrderExchangeDTO:
    id: str
    order_id: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: OrderExchange) -> OrderExchangeDTO:
        return dto_from_row(cls, row)
