"""The idempotency key table: one row per (scope, key) with the request fingerprint and response."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from paymentgraph.db.base import Base, TimestampMixin
from paymentgraph.db.types import JSONType, UTCDateTime


class IdempotencyKey(Base, TimestampMixin):
    __tablename__ = "idempotency_key"
    # The insert that claims a key is the in-use guard: a concurrent second insert conflicts here.
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[str] = mapped_column(String, primary_key=True)
    scope: Mapped[str] = mapped_column(String, nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String, nullable=False)
    # in_progress while the first request runs, then completed with its response
    status: Mapped[str] = mapped_column(String, nullable=False)
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # Expired rows are treated as absent (and overwritten); pruning deletes them off the hot path.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
