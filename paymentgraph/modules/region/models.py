"""Tables of the region module."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from paymentgraph.db.base import Base, SoftDeleteMixin, TimestampMixin
from paymentgraph.db.types import JSONType


class Region(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = "region"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String, nullable=False)
    currency_code: Mapped[str] = mapped_column(String, nullable=False)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType, nullable=True)
