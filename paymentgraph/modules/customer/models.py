"""Tables of the customer module."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from paymentgraph.db.base import Base, SoftDeleteMixin, TimestampMixin
from paymentgraph.db.types import JSONType


class Customer(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = "customer"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    email: Mapped[str] = mapped_column(String, nullable=False, index=True)
    first_name: Mapped[str | None] = mapped_column(String, nullable=True)
    last_name: Mapped[str | None] = mapped_column(String, nullable=True)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType, nullable=True)
