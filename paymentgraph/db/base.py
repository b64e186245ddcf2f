"""Declarative base shared by every module's tables, with Medusa's common columns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from paymentgraph.db.types import JSONType, UTCDateTime, utcnow

# Deterministic constraint names, so migrations are reproducible on both databases.
NAMING_CONVENTION = {
    "ix": "IDX_%(table_name)s_%(column_0_N_name)s",
    "uq": "UQ_%(table_name)s_%(column_0_N_name)s",
    "ck": "CK_%(table_name)s_%(constraint_name)s",
    "fk": "FK_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "PK_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType}


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


class SoftDeleteMixin:
    # Deliberately not indexed: almost every row is NULL, no query looks rows up by it, and without
    # statistics SQLite's planner picks such an index over the foreign key (N=100 nested read: 450 ms
    # instead of 11 ms). Live-row uniqueness uses partial indexes ``WHERE deleted_at IS NULL`` instead.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
