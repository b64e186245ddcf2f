"""Tables of merchant webhooks: the endpoints admins register, one delivery per (endpoint, event), and
every attempt to deliver it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from paymentgraph.db.base import Base, TimestampMixin
from paymentgraph.db.types import JSONType, UTCDateTime

DELIVERY_STATUSES = ("pending", "succeeded", "failed")


class WebhookEndpoint(Base, TimestampMixin):
    """A merchant's receiver: the events it wants (names or ``*``) are POSTed to ``url``, signed."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    url: Mapped[str] = mapped_column(String, nullable=False)
    events: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Kept as it was given, not hashed (unlike API keys and passwords): every delivery is signed with
    # HMAC-SHA256 keyed by this very value, so the server must be able to read it back. Whoever can read
    # this table can forge webhooks to this endpoint; that is the database's to protect.
    secret: Mapped[str] = mapped_column(String, nullable=False)


class WebhookDelivery(Base, TimestampMixin):
    """One event for one endpoint: ``pending`` until a 2xx answer (``succeeded``) or until an attempt
    fails after ``retry_until`` (``failed``). ``claim`` marks the attempt in flight: its outcome is
    written only while the claim is still the one it took (a redelivery by hand replaces it)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        # The sender's scan: due pending deliveries.
        Index("IDX_webhook_delivery_due", "status", "next_attempt_at"),
        # An endpoint's deliveries, newest first.
        Index("IDX_webhook_delivery_endpoint", "endpoint_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), nullable=False
    )
    event_id: Mapped[str] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(String, nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    retry_until: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    claim: Mapped[str | None] = mapped_column(String, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WebhookDeliveryAttempt(Base):
    """One POST of a delivery and what came of it (kept after the delivery succeeds or fails)."""

    __tablename__ = "webhook_delivery_attempt"
    __table_args__ = (Index("IDX_webhook_delivery_attempt_delivery", "delivery_id", "attempted_at"),)

    id: Mapped[str] = mapped_column(String, primary_key=True)
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_delivery.id", ondelete="CASCADE"), nullable=False
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    # When the delivery is tried again after this attempt (null: it succeeded or gave up).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
