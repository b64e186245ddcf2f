"""Tables of the payment module (Medusa's names and columns, money exact, amounts never null).

Columns are in the order the schema lists their fields (entities.py reads them off the tables)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from paymentgraph.db.base import Base, SoftDeleteMixin, TimestampMixin
from paymentgraph.db.types import JSONType, Money, UTCDateTime

_LIVE = text("deleted_at IS NULL")
_KEYED = text("idempotency_key IS NOT NULL")
_PENDING = text("status = 'pending'")


def _operation_indexes(table: str) -> tuple[Index, Index]:
    """A capture's or refund's request key is unique per payment (a retry finds its operation), and the
    recovery job finds pending rows by age without scanning settled ones."""
    return (
        Index(
            f"UQ_{table}_payment_id_idempotency_key",
            "payment_id",
            "idempotency_key",
            unique=True,
            postgresql_where=_KEYED,
            sqlite_where=_KEYED,
        ),
        Index(
            f"IDX_{table}_pending_created_at", "created_at", postgresql_where=_PENDING, sqlite_where=_PENDING
        ),
    )


class PaymentCollection(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = "payment_collection"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    currency_code: Mapped[str] = mapped_column(String, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    authorized_amount: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal(0))
    captured_amount: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal(0))
    refunded_amount: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal(0))
    status: Mapped[str] = mapped_column(String, nullable=False, default="not_paid", index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Set by cancel_payment_collection only: such a collection is closed for good, whereas one whose
    # payments were canceled one by one reads "canceled" but may still take a new session.
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType, nullable=True)


class PaymentSession(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = "payment_session"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    payment_collection_id: Mapped[str] = mapped_column(
        ForeignKey("payment_collection.id", ondelete="CASCADE"), nullable=False, index=True
    )
    currency_code: Mapped[str] = mapped_column(String, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    provider_id: Mapped[str] = mapped_column(String, nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    context: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    status: Mapped[str] = mapped_column(String, nullable=False, default="pending")
    authorized_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType, nullable=True)


class Payment(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = "payment"
    __table_args__ = (
        # At most one live payment per session: the hard guard against a double authorization.
        Index(
            "UQ_payment_payment_session_id_live",
            "payment_session_id",
            unique=True,
            postgresql_where=_LIVE,
            sqlite_where=_LIVE,
        ),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    payment_collection_id: Mapped[str] = mapped_column(
        ForeignKey("payment_collection.id", ondelete="CASCADE"), nullable=False, index=True
    )
    payment_session_id: Mapped[str] = mapped_column(
        ForeignKey("payment_session.id", ondelete="CASCADE"), nullable=False
    )
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    currency_code: Mapped[str] = mapped_column(String, nullable=False)
    provider_id: Mapped[str] = mapped_column(String, nullable=False, index=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType, nullable=True)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Who canceled it (an API key id or "token:<n>"), as captures and refunds keep created_by.
    canceled_by: Mapped[str | None] = mapped_column(String, nullable=True)
    # Running sums of the payment's captures and refunds, written in the same transaction as the
    # capture or refund row under the payment's row lock (so reads and filters need no aggregate).
    captured_amount: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal(0))
    refunded_amount: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal(0))
    # When the provider stops holding the authorized money (Stripe cards: 7 days); None: no known end.
    authorization_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Capture(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = "capture"
    __table_args__ = _operation_indexes("capture")

    id: Mapped[str] = mapped_column(String, primary_key=True)
    payment_id: Mapped[str] = mapped_column(
        ForeignKey("payment.id", ondelete="CASCADE"), nullable=False, index=True
    )
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    # pending while the provider is being asked or its answer is unknown (counts toward the capturable
    # limit), then succeeded.
    status: Mapped[str] = mapped_column(
        String, nullable=False, default="succeeded", server_default="succeeded"
    )
    # The caller's key for this capture (HTTP: scope, Idempotency-Key and field): a retry resumes it.
    idempotency_key: Mapped[str | None] = mapped_column(String, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String, nullable=True)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType, nullable=True)


class RefundReason(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = "refund_reason"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    label: Mapped[str] = mapped_column(String, nullable=False)
    code: Mapped[str] = mapped_column(String, nullable=False)
    description: Mapped[str | None] = mapped_column(String, nullable=True)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType, nullable=True)


class Refund(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = "refund"
    __table_args__ = (
        *_operation_indexes("refund"),
        # A provider's refund is recorded once per payment, however often its webhook arrives
        # (NULLs, refunds not yet matched to a provider refund, are distinct on both databases).
        Index("UQ_refund_payment_provider_refund", "payment_id", "provider_refund_id", unique=True),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    payment_id: Mapped[str] = mapped_column(
        ForeignKey("payment.id", ondelete="CASCADE"), nullable=False, index=True
    )
    refund_reason_id: Mapped[str | None] = mapped_column(
        ForeignKey("refund_reason.id", ondelete="SET NULL"), nullable=True, index=True
    )
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    # pending while the provider is being asked or its answer is unknown (counts toward the refundable
    # limit), then succeeded.
    status: Mapped[str] = mapped_column(
        String, nullable=False, default="succeeded", server_default="succeeded"
    )
    note: Mapped[str | None] = mapped_column(String, nullable=True)
    # The caller's key for this refund (HTTP: scope, Idempotency-Key and field): a retry resumes it.
    idempotency_key: Mapped[str | None] = mapped_column(String, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String, nullable=True)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType, nullable=True)
    # The provider's id of this refund (Stripe ``re_...``): how a refund reported by webhook is matched.
    provider_refund_id: Mapped[str | None] = mapped_column(String, nullable=True)


class Dispute(Base, TimestampMixin, SoftDeleteMixin):
    """A chargeback the provider reported (Stripe ``charge.dispute.*``), kept as its latest state."""

    __tablename__ = "dispute"
    __table_args__ = (Index("UQ_dispute_provider_external", "provider_id", "external_id", unique=True),)

    id: Mapped[str] = mapped_column(String, primary_key=True)
    payment_id: Mapped[str] = mapped_column(
        ForeignKey("payment.id", ondelete="CASCADE"), nullable=False, index=True
    )
    provider_id: Mapped[str] = mapped_column(String, nullable=False)
    external_id: Mapped[str] = mapped_column(String, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    currency_code: Mapped[str] = mapped_column(String, nullable=False)
    reason: Mapped[str | None] = mapped_column(String, nullable=True)
    status: Mapped[str] = mapped_column(String, nullable=False)
    evidence_due_by: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # What the bank has taken back from the merchant now (the amount after funds_withdrawn, 0 after
    # funds_reinstated): counted with refunds in the collection's refunded_amount.
    withdrawn_amount: Mapped[Decimal] = mapped_column(Money(), nullable=False, default=Decimal(0))
    # How far the provider's story has got, so an older event arriving late changes nothing: the
    # number of balance transactions (only grows), then the event's creation time.
    balance_transaction_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    provider_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PaymentProvider(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = "payment_provider"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    is_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class AccountHolder(Base, TimestampMixin, SoftDeleteMixin):
    __tablename__ = "account_holder"
    __table_args__ = (
        Index(
            "UQ_account_holder_provider_external_live",
            "provider_id",
            "external_id",
            unique=True,
            postgresql_where=_LIVE,
            sqlite_where=_LIVE,
        ),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    provider_id: Mapped[str] = mapped_column(String, nullable=False)
    external_id: Mapped[str] = mapped_column(String, nullable=False)
    email: Mapped[str | None] = mapped_column(String, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType, nullable=True)


class WebhookEvent(Base, TimestampMixin):
    """A provider webhook event, stored once by its id before it is applied."""

    __tablename__ = "payment_webhook_event"
    __table_args__ = (
        Index("UQ_payment_webhook_event_provider_event", "provider_id", "event_id", unique=True),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    provider_id: Mapped[str] = mapped_column(String, nullable=False)
    event_id: Mapped[str] = mapped_column(String, nullable=False)
    event_type: Mapped[str | None] = mapped_column(String, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    # received -> processed | failed (retried until processed; failed ones stay visible to admins)
    status: Mapped[str] = mapped_column(String, nullable=False, default="received", index=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(String, nullable=True)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
