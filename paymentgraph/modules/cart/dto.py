"""Cart DTOs: what the cart service returns (never ORM rows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from paymentgraph.modules.cart.models import Cart, LineItem


@dataclass(frozen=True)
class LineItemDTO:
    id: str
    cart_id: str
    title: str
    quantity: int
    unit_price: Decimal
    total: Decimal
    created_at: datetime

    @classmethod
    def from_row(cls, row: LineItem) -> LineItemDTO:
        return cls(
            id=row.id,
            cart_id=row.cart_id,
            title=row.title,
            quantity=row.quantity,
            unit_price=row.unit_price,
            total=row.total,
            created_at=row.created_at,
        )


@dataclass(frozen=True)
class CartDTO:
    id: str
    region_id: str
    customer_id: str | None
    email: str | None
    currency_code: str
    total: Decimal
    completed_at: datetime | None
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    items: tuple[LineItemDTO, ...] = ()
    deleted_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Cart, items: Sequence[LineItem] = ()) -> CartDTO:
        return cls(
            id=row.id,
            region_id=row.region_id,
            customer_id=row.customer_id,
            email=row.email,
            currency_code=row.currency_code,
            total=row.total,
            completed_at=row.completed_at,
            metadata=row.metadata_,
            created_at=row.created_at,
            updated_at=row.updated_at,
            items=tuple(LineItemDTO.from_row(item) for item in items),
            deleted_at=row.deleted_at,
        )
