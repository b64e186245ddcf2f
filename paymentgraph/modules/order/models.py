"""Tables of the order module: orders with their items, claims and exchanges.

Columns are in the order the schema lists their fields (db/entity.py reads them off the table)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from paymentgraph.db.base import Base, SoftDeleteMixin, TimestampMixin
from paymentgraph.db.types import JSONType, Money


class Order(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = "order"
    # One live order per cart; a soft-deleted order (a checkout undone by compensation) frees its cart.
    __table_args__ = (
        Index(
            "UQ_order_cart_id_live",
            "cart_id",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    display_id: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    email: Mapped[str | None] = mapped_column(String, nullable=True)
    currency_code: Mapped[str] = mapped_column(String, nullable=False)
    total: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal(0))
    region_id: Mapped[str] = mapped_column(String, nullable=False, index=True)
    customer_id: Mapped[str | None] = mapped_column(String, nullable=True, index=True)
    # The cart the order was created from (another module's id; at most one live order per cart).
    cart_id: Mapped[str | None] = mapped_column(String, nullable=True)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType, nullable=True)


class OrderLineItem(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = "order_line_item"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    order_id: Mapped[str] = mapped_column(
        ForeignKey("order.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(String, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    total: Mapped[Decimal] = mapped_column(Money(), nullable=False)


class OrderClaim(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = "order_claim"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    order_id: Mapped[str] = mapped_column(
        ForeignKey("order.id", ondelete="CASCADE"), nullable=False, index=True
    )
    type: Mapped[str] = mapped_column(String, nullable=False)


class OrderExchange(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = "order_exchange"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    order_id: Mapped[str] = mapped_column(
        ForeignKey("order.id", ondelete="CASCADE"), nullable=False, index=True
    )
