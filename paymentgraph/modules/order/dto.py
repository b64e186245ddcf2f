"""Order DTOs: what the order service returns (never ORM rows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

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
        return cls(
            id=row.id,
            order_id=row.order_id,
            title=row.title,
            quantity=row.quantity,
            unit_price=row.unit_price,
            total=row.total,
            created_at=row.created_at,
        )


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
        return cls(
            id=row.id,
            display_id=row.display_id,
            region_id=row.region_id,
            customer_id=row.customer_id,
            cart_id=row.cart_id,
            email=row.email,
            currency_code=row.currency_code,
            total=row.total,
            metadata=row.metadata_,
            created_at=row.created_at,
            updated_at=row.updated_at,
            items=tuple(OrderLineItemDTO.from_row(item) for item in items),
            deleted_at=row.deleted_at,
        )


@dataclass(frozen=True)
class OrderClaimDTO:
    id: str
    order_id: str
    type: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: OrderClaim) -> OrderClaimDTO:
        return cls(row.id, row.order_id, row.type, row.created_at, row.updated_at)


@dataclass(frozen=True)
class OrderExchangeDTO:
    id: str
    order_id: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: OrderExchange) -> OrderExchangeDTO:
        return cls(row.id, row.order_id, row.created_at, row.updated_at)
