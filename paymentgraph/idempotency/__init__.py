"""Stored Idempotency-Key records (Stripe's semantics), independent of HTTP and GraphQL."""

from paymentgraph.idempotency.store import (
    KEY_TTL,
    MAX_KEY_LENGTH,
    IdempotencyStore,
    StoredResponse,
)

__all__ = ["KEY_TTL", "MAX_KEY_LENGTH", "IdempotencyStore", "StoredResponse"]
