"""Frozen DTOs the payment module service returns (never ORM rows). Amounts are exact Decimals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

ZERO = Decimal(0)


@dataclass(frozen=True)
class Capture:
    id: str
    payment_id: str
    amount: Decimal
    status: str  # pending while the provider is asked, then succeeded
    created_by: str | None
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Refund:
    id: str
    payment_id: str
    amount: Decimal
    status: str  # pending while the provider is asked, then succeeded
    refund_reason_id: str | None
    note: str | None
    created_by: str | None
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Payment:
    id: str
    payment_collection_id: str
    payment_session_id: str
    amount: Decimal
    currency_code: str
    provider_id: str
    data: dict[str, Any] | None
    metadata: dict[str, Any] | None
    captured_at: datetime | None
    canceled_at: datetime | None
    created_at: datetime
    updated_at: datetime
    captured_amount: Decimal = ZERO
    refunded_amount: Decimal = ZERO
    captures: tuple[Capture, ...] = ()
    refunds: tuple[Refund, ...] = ()
    # When the provider stops holding the authorized money (None: unknown or never).
    authorization_expires_at: datetime | None = None
    canceled_by: str | None = None


@dataclass(frozen=True)
class Dispute:
    """A chargeback reported by the provider, in its latest known state (Stripe's statuses)."""

    id: str
    payment_id: str
    provider_id: str
    external_id: str
    amount: Decimal
    currency_code: str
    reason: str | None
    status: str
    evidence_due_by: datetime | None
    withdrawn_amount: Decimal
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PaymentSession:
    id: str
    payment_collection_id: str
    currency_code: str
    amount: Decimal
    provider_id: str
    data: dict[str, Any]
    context: dict[str, Any] | None
    status: str
    authorized_at: datetime | None
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PaymentCollection:
    id: str
    currency_code: str
    amount: Decimal
    status: str
    completed_at: datetime | None
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    authorized_amount: Decimal = ZERO
    captured_amount: Decimal = ZERO
    refunded_amount: Decimal = ZERO
    canceled_at: datetime | None = None
    payment_sessions: tuple[PaymentSession, ...] = ()
    payments: tuple[Payment, ...] = ()


@dataclass(frozen=True)
class RefundReason:
    id: str
    label: str
    code: str
    description: str | None
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PaymentProvider:
    id: str
    is_enabled: bool


@dataclass(frozen=True)
class AccountHolder:
    id: str
    provider_id: str
    external_id: str
    email: str | None
    data: dict[str, Any]
    metadata: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PaymentMethod:
    """A saved payment method, asked of the provider (not stored by the module)."""

    id: str
    provider_id: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecoveredOperation:
    """What ``recover_pending_operations`` did with one stale pending capture or refund.

    ``outcome``: ``recorded`` (the provider confirmed it), ``removed`` (the provider refused it) or
    ``failed`` (not settled this time: still unknown, PROVIDER_UNAVAILABLE, or the provider cannot be
    asked; ``error`` says why; it stays pending for the next run).
    """

    kind: str  # capture | refund
    id: str
    payment_id: str
    amount: Decimal
    outcome: str
    error: str | None = None


__all__ = [
    "AccountHolder",
    "Capture",
    "Dispute",
    "Payment",
    "PaymentCollection",
    "PaymentMethod",
    "PaymentProvider",
    "PaymentSession",
    "RecoveredOperation",
    "Refund",
    "RefundReason",
]
