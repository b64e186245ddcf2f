"""The payment module's entity declarations (its joiner config)."""

from __future__ import annotations

from paymentgraph.db.entity import LOWERCASE, Facts, Relation, declare, enum
from paymentgraph.db.reach import ADMIN_ONLY, SIGNED_IN, Reach
from paymentgraph.modules.payment import models

COLLECTION_STATUSES = (
    "not_paid",
    "awaiting",
    "authorized",
    "partially_authorized",
    "canceled",
    "failed",
    "partially_captured",
    "completed",
)
# pending_authorization: the provider is settling the authorization (Stripe "processing": SEPA debit, ACH,
# bank transfers); its webhook later makes the session authorized (or captured) or error.
SESSION_STATUSES = (
    "pending",
    "requires_more",
    "authorized",
    "captured",
    "error",
    "canceled",
    "pending_authorization",
)
# Stripe's dispute statuses (warning_*: an inquiry, no money moved yet).
DISPUTE_STATUSES = (
    "warning_needs_response",
    "warning_under_review",
    "warning_closed",
    "needs_response",
    "under_review",
    "won",
    "lost",
)
# A capture or refund is pending while its provider is asked or its answer is unknown (it still counts
# against what may be captured or refunded), then succeeded; a refused one is removed.
OPERATION_STATUSES = ("pending", "succeeded")

# A capture's or refund's status, as the schema describes it.
_OPERATION_STATUS = enum(
    OPERATION_STATUSES,
    "OperationStatus",
    "PENDING while the provider is asked or its answer is unknown, then SUCCEEDED",
)
# The caller's key of a capture or refund is how its retry finds it, not something to read back.
_OPERATION_HIDDEN = ("idempotency_key",)

PAYMENT_COLLECTION = declare(
    "payment_collection",
    models.PaymentCollection,
    facts={
        "currency_code": LOWERCASE,
        "status": enum(COLLECTION_STATUSES, "PaymentCollectionStatus"),
    },
    relations=(
        Relation("payment_sessions", "payment_session", True, "id", "payment_collection_id"),
        Relation("payments", "payment", True, "id", "payment_collection_id"),
    ),
)

PAYMENT_SESSION = declare(
    "payment_session",
    models.PaymentSession,
    facts={"currency_code": LOWERCASE, "status": enum(SESSION_STATUSES, "PaymentSessionStatus")},
    relations=(
        Relation("payment_collection", "payment_collection", False, "payment_collection_id", "id", False),
        Relation("payment", "payment", False, "id", "payment_session_id"),
    ),
)

PAYMENT = declare(
    "payment",
    models.Payment,
    facts={
        "currency_code": LOWERCASE,
        "canceled_by": Facts(description="The API key id (or token:<n>) that canceled it"),
        "captured_amount": Facts(description="Sum of the payment's captures"),
        "refunded_amount": Facts(description="Sum of the payment's refunds"),
        "authorization_expires_at": Facts(
            description="When the provider stops holding the authorized money (null: no known end)"
        ),
    },
    relations=(
        Relation("payment_collection", "payment_collection", False, "payment_collection_id", "id", False),
        Relation("payment_session", "payment_session", False, "payment_session_id", "id", False),
        Relation("captures", "capture", True, "id", "payment_id"),
        Relation("refunds", "refund", True, "id", "payment_id"),
        Relation("disputes", "dispute", True, "id", "payment_id"),
    ),
    reach=Reach(fields={"canceled_by": ADMIN_ONLY}),  # who did it is the merchant's audit trail
)

CAPTURE = declare(
    "capture",
    models.Capture,
    facts={"status": _OPERATION_STATUS},
    hidden=_OPERATION_HIDDEN,
    relations=(Relation("payment", "payment", False, "payment_id", "id", False),),
    reach=Reach(fields={"created_by": ADMIN_ONLY}),
)

REFUND_REASON = declare(
    "refund_reason",
    models.RefundReason,
    relations=(Relation("refunds", "refund", True, "id", "refund_reason_id"),),
)

REFUND = declare(
    "refund",
    models.Refund,
    facts={"status": _OPERATION_STATUS},
    # provider_refund_id matches a provider's webhook to its refund; it is the provider's business.
    hidden=(*_OPERATION_HIDDEN, "provider_refund_id"),
    relations=(
        Relation("payment", "payment", False, "payment_id", "id", False),
        # A deleted reason stays readable from the refunds that named it (delete_refund_reasons is soft).
        Relation("refund_reason", "refund_reason", False, "refund_reason_id", "id", include_deleted=True),
    ),
    reach=Reach(fields={"created_by": ADMIN_ONLY}),
)

DISPUTE = declare(
    "dispute",
    models.Dispute,
    facts={
        "external_id": Facts(description="The provider's dispute id"),
        "currency_code": LOWERCASE,
        "status": enum(DISPUTE_STATUSES, "DisputeStatus"),
    },
    # Bookkeeping of how far the provider's story has got (and what it withdrew, counted in the
    # collection's refunded_amount), not part of the dispute as served.
    hidden=("withdrawn_amount", "balance_transaction_count", "provider_event_at"),
    relations=(Relation("payment", "payment", False, "payment_id", "id", False),),
)

PAYMENT_PROVIDER = declare(
    "payment_provider",
    models.PaymentProvider,
    hidden=("created_at", "updated_at"),  # rows are upserted at startup: their times say nothing
)

ACCOUNT_HOLDER = declare(
    "account_holder",
    models.AccountHolder,
    # A customer's identity at a provider: customer data. Its owner comes from the customer_account_holder
    # link (the payment module does not know customers).
    reach=Reach(readable=SIGNED_IN),
)

ENTITIES = (
    PAYMENT_COLLECTION,
    PAYMENT_SESSION,
    PAYMENT,
    CAPTURE,
    REFUND,
    REFUND_REASON,
    DISPUTE,
    PAYMENT_PROVIDER,
    ACCOUNT_HOLDER,
)
