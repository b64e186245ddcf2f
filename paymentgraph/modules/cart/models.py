"""Tables of the cart module. ``total`` is kept with the items so it can be filtered and sorted.

Columns are in the order the schema lists their fields (db/entity.py reads them off the table)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from paymentgraph.db.base import Base, SoftDeleteMixin, TimestampMixin
from paymentgraph.db.types import JSONType, Money, UTCDateTime


class Cart(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = "cart"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    email: Mapped[str | None] = mapped_column(String, nullable=True)
    currency_code: Mapped[str] = mapped_column(String, nullable=False)
    # Another module's id (region, customer): a read-only link, no foreign key across modules.
    region_id: Mapped[str] = mapped_column(String, nullable=False, index=True)
    customer_id: Mapped[str | None] = mapped_column(String, nullable=True, index=True)
    total: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal(0))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType, nullable=True)


class LineItem(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = "cart_line_item"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    cart_id: Mapped[str] = mapped_column(
        ForeignKey("cart.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(String, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    total: Mapped[Decimal] = mapped_column(Money(), nullable=False)
