"""The payment module's entity declarations (its joiner config)."""

from __future__ import annotations

from paymentgraph.db.entity import EntityDef, Field, Relation
from paymentgraph.db.entity import FieldKind as K
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

_TIMESTAMPS = (Field("created_at", K.DATETIME), Field("updated_at", K.DATETIME))

PAYMENT_COLLECTION = EntityDef(
    name="payment_collection",
    table=models.PaymentCollection.__table__,  # type: ignore[arg-type]
    graphql_name="PaymentCollection",
    fields=(
        Field("id", K.ID),
        Field("currency_code", K.STRING, lowercase=True),
        Field("amount", K.DECIMAL),
        Field("authorized_amount", K.DECIMAL),
        Field("captured_amount", K.DECIMAL),
        Field("refunded_amount", K.DECIMAL),
        Field("status", K.ENUM, enum_values=COLLECTION_STATUSES, enum_name="PaymentCollectionStatus"),
        Field("completed_at", K.DATETIME, nullable=True),
        # Set when the collection itself was canceled (closed for good); a collection whose payments were
        # all canceled reads "canceled" without it and may still take a new session.
        Field("canceled_at", K.DATETIME, nullable=True),
        Field("metadata", K.JSON, nullable=True, filterable=False, sortable=False),
        *_TIMESTAMPS,
    ),
    relations=(
        Relation("payment_sessions", "payment_session", True, "id", "payment_collection_id"),
        Relation("payments", "payment", True, "id", "payment_collection_id"),
    ),
)

PAYMENT_SESSION = EntityDef(
    name="payment_session",
    table=models.PaymentSession.__table__,  # type: ignore[arg-type]
    graphql_name="PaymentSession",
    fields=(
        Field("id", K.ID),
        Field("payment_collection_id", K.ID),
        Field("currency_code", K.STRING, lowercase=True),
        Field("amount", K.DECIMAL),
        Field("provider_id", K.STRING),
        Field("data", K.JSON, filterable=False, sortable=False),
        Field("context", K.JSON, nullable=True, filterable=False, sortable=False),
        Field("status", K.ENUM, enum_values=SESSION_STATUSES, enum_name="PaymentSessionStatus"),
        Field("authorized_at", K.DATETIME, nullable=True),
        Field("metadata", K.JSON, nullable=True, filterable=False, sortable=False),
        *_TIMESTAMPS,
    ),
    relations=(
        Relation("payment_collection", "payment_collection", False, "payment_collection_id", "id", False),
        Relation("payment", "payment", False, "id", "payment_session_id"),
    ),
)

PAYMENT = EntityDef(
    name="payment",
    table=models.Payment.__table__,  # type: ignore[arg-type]
    graphql_name="Payment",
    fields=(
        Field("id", K.ID),
        Field("payment_collection_id", K.ID),
        Field("payment_session_id", K.ID),
        Field("amount", K.DECIMAL),
        Field("currency_code", K.STRING, lowercase=True),
        Field("provider_id", K.STRING),
        Field("data", K.JSON, nullable=True, filterable=False, sortable=False),
        Field("metadata", K.JSON, nullable=True, filterable=False, sortable=False),
        Field("captured_at", K.DATETIME, nullable=True),
        Field("canceled_at", K.DATETIME, nullable=True),
        Field(
            "canceled_by",
            K.STRING,
            nullable=True,
            description="The API key id (or token:<n>) that canceled it",
        ),
        Field("captured_amount", K.DECIMAL, description="Sum of the payment's captures"),
        Field("refunded_amount", K.DECIMAL, description="Sum of the payment's refunds"),
        Field(
            "authorization_expires_at",
            K.DATETIME,
            nullable=True,
            description="When the provider stops holding the authorized money (null: no known end)",
        ),
        *_TIMESTAMPS,
    ),
    relations=(
        Relation("payment_collection", "payment_collection", False, "payment_collection_id", "id", False),
        Relation("payment_session", "payment_session", False, "payment_session_id", "id", False),
        Relation("captures", "capture", True, "id", "payment_id"),
        Relation("refunds", "refund", True, "id", "payment_id"),
        Relation("disputes", "dispute", True, "id", "payment_id"),
    ),
    reach=Reach(fields={"canceled_by": ADMIN_ONLY}),  # who did it is the merchant's audit trail
)

CAPTURE = EntityDef(
    name="capture",
    table=models.Capture.__table__,  # type: ignore[arg-type]
    graphql_name="Capture",
    fields=(
        Field("id", K.ID),
        Field("payment_id", K.ID),
        Field("amount", K.DECIMAL),
        Field(
            "status",
            K.ENUM,
            enum_values=OPERATION_STATUSES,
            enum_name="OperationStatus",
            description="PENDING while the provider is asked or its answer is unknown, then SUCCEEDED",
        ),
        Field("created_by", K.STRING, nullable=True),
        Field("metadata", K.JSON, nullable=True, filterable=False, sortable=False),
        *_TIMESTAMPS,
    ),
    relations=(Relation("payment", "payment", False, "payment_id", "id", False),),
    reach=Reach(fields={"created_by": ADMIN_ONLY}),
)

REFUND_REASON = EntityDef(
    name="refund_reason",
    table=models.RefundReason.__table__,  # type: ignore[arg-type]
    graphql_name="RefundReason",
    fields=(
        Field("id", K.ID),
        Field("label", K.STRING),
        Field("code", K.STRING),
        Field("description", K.STRING, nullable=True),
        Field("metadata", K.JSON, nullable=True, filterable=False, sortable=False),
        *_TIMESTAMPS,
    ),
    relations=(Relation("refunds", "refund", True, "id", "refund_reason_id"),),
)

REFUND = EntityDef(
    name="refund",
    table=models.Refund.__table__,  # type: ignore[arg-type]
    graphql_name="Refund",
    fields=(
        Field("id", K.ID),
        Field("payment_id", K.ID),
        Field("refund_reason_id", K.ID, nullable=True),
        Field("amount", K.DECIMAL),
        Field(
            "status",
            K.ENUM,
            enum_values=OPERATION_STATUSES,
            enum_name="OperationStatus",
            description="PENDING while the provider is asked or its answer is unknown, then SUCCEEDED",
        ),
        Field("note", K.STRING, nullable=True),
        Field("created_by", K.STRING, nullable=True),
        Field("metadata", K.JSON, nullable=True, filterable=False, sortable=False),
        *_TIMESTAMPS,
    ),
    relations=(
        Relation("payment", "payment", False, "payment_id", "id", False),
        # A deleted reason stays readable from the refunds that named it (delete_refund_reasons is soft).
        Relation("refund_reason", "refund_reason", False, "refund_reason_id", "id", include_deleted=True),
    ),
    reach=Reach(fields={"created_by": ADMIN_ONLY}),
)

DISPUTE = EntityDef(
    name="dispute",
    table=models.Dispute.__table__,  # type: ignore[arg-type]
    graphql_name="Dispute",
    fields=(
        Field("id", K.ID),
        Field("payment_id", K.ID),
        Field("provider_id", K.STRING),
        Field("external_id", K.STRING, description="The provider's dispute id"),
        Field("amount", K.DECIMAL),
        Field("currency_code", K.STRING, lowercase=True),
        Field("reason", K.STRING, nullable=True),
        Field("status", K.ENUM, enum_values=DISPUTE_STATUSES, enum_name="DisputeStatus"),
        Field("evidence_due_by", K.DATETIME, nullable=True),
        *_TIMESTAMPS,
    ),
    relations=(Relation("payment", "payment", False, "payment_id", "id", False),),
)

PAYMENT_PROVIDER = EntityDef(
    name="payment_provider",
    table=models.PaymentProvider.__table__,  # type: ignore[arg-type]
    graphql_name="PaymentProvider",
    fields=(Field("id", K.ID), Field("is_enabled", K.BOOL)),
)

ACCOUNT_HOLDER = EntityDef(
    name="account_holder",
    table=models.AccountHolder.__table__,  # type: ignore[arg-type]
    graphql_name="AccountHolder",
    fields=(
        Field("id", K.ID),
        Field("provider_id", K.STRING),
        Field("external_id", K.STRING),
        Field("email", K.STRING, nullable=True),
        Field("data", K.JSON, filterable=False, sortable=False),
        Field("metadata", K.JSON, nullable=True, filterable=False, sortable=False),
        *_TIMESTAMPS,
    ),
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
