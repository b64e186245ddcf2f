"""Cart DTOs: what the cart service returns (never ORM rows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from paymentgraph.db.dto import dto_from_row
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
        return dto_from_row(cls, row)


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
        return dto_from_row(cls, row, items=tuple(LineItemDTO.from_row(item) for item in items))
