"""Tables of subscribers' deliveries and scheduled jobs' runs (the outbox's own table is in outbox.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from paymentgraph.db.base import Base, TimestampMixin
from paymentgraph.db.types import UTCDateTime

DELIVERY_STATUSES = ("pending", "succeeded", "failed")
JOB_RUN_STATUSES = ("running", "succeeded", "failed")


class EventDelivery(Base, TimestampMixin):
    """One event for one subscriber: the subscriber's record of what it handled and what is left.

    Created by the dispatcher's fan-out; ``pending`` until the handler returns (``succeeded``) or has
    failed ``max_attempts`` times (``failed``, retried only by an admin).
    """

    __tablename__ = "event_delivery"
    __table_args__ = (
        UniqueConstraint("event_id", "subscriber"),
        # The claim: a subscriber's pending deliveries in event order, and the per-entity order check.
        Index("IDX_event_delivery_claim", "subscriber", "status", "event_seq"),
        Index("IDX_event_delivery_entity", "subscriber", "entity_id", "event_seq"),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    event_id: Mapped[str] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True
    )
    event_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), nullable=False)
    entity_id: Mapped[str] = mapped_column(String, nullable=False)
    subscriber: Mapped[str] = mapped_column(String, nullable=False)
    status: Mapped[str] = mapped_column(String, nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class JobRun(Base):
    """One run of a scheduled job for one scheduled time; the unique pair is the claim across workers."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "scheduled_at"),)

    id: Mapped[str] = mapped_column(String, primary_key=True)
    job: Mapped[str] = mapped_column(String, nullable=False)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    status: Mapped[str] = mapped_column(String, nullable=False)
    worker: Mapped[str] = mapped_column(String, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
