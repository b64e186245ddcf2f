"""Domain errors and the stable error codes clients see as ``extensions.code``.

Hierarchy::

    DomainError(code, message, **ids)
      NotFound            NOT_FOUND
      InvalidData         INVALID_DATA
      NotAllowed          NOT_ALLOWED
      Conflict            CONFLICT
      AuthorizationFailed PAYMENT_AUTHORIZATION_FAILED
      RequiresMore        PAYMENT_REQUIRES_MORE
      ProviderError       PROVIDER_ERROR        the provider definitely refused (nothing happened there)
      ProviderUnavailable PROVIDER_UNAVAILABLE  the outcome is unknown (answer lost, provider down)
      IdempotencyKeyReused / IdempotencyKeyInUse
      Unauthenticated     UNAUTHENTICATED
      Forbidden           FORBIDDEN
      TooManyRequests     TOO_MANY_REQUESTS
      ServiceUnavailable  SERVICE_UNAVAILABLE   the database is unreachable or the worker is at capacity

Services raise these; ``schema/errors.py`` is the only place that turns them into GraphQL errors.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID_DATA = "INVALID_DATA"
    NOT_ALLOWED = "NOT_ALLOWED"
    CONFLICT = "CONFLICT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    PAYMENT_AUTHORIZATION_FAILED = "PAYMENT_AUTHORIZATION_FAILED"
    PAYMENT_REQUIRES_MORE = "PAYMENT_REQUIRES_MORE"
    PROVIDER_ERROR = "PROVIDER_ERROR"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    IDEMPOTENCY_KEY_IN_USE = "IDEMPOTENCY_KEY_IN_USE"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"
    TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
    # Not now: the database cannot be reached, or this worker is at capacity (HTTP 503, Retry-After).
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    # The HTTP request is not a GraphQL request (bad JSON, a batch, no query, too large, not JSON).
    BAD_REQUEST = "BAD_REQUEST"


class DomainError(Exception):
    """An error a caller can act on. ``details`` carries the ids involved (exposed to clients)."""

    code: ErrorCode = ErrorCode.INVALID_DATA

    def __init__(self, message: str, *, code: ErrorCode | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details: dict[str, Any] = {k: v for k, v in details.items() if v is not None}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code}, {self.message!r}, {self.details!r})"


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class InvalidData(DomainError):
    code = ErrorCode.INVALID_DATA


class NotAllowed(DomainError):
    code = ErrorCode.NOT_ALLOWED


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class AuthorizationFailed(DomainError):
    code = ErrorCode.PAYMENT_AUTHORIZATION_FAILED


class RequiresMore(DomainError):
    code = ErrorCode.PAYMENT_REQUIRES_MORE


class ProviderError(DomainError):
    """A payment provider definitely refused a call: nothing happened there, so what was written
    before the call may be undone. Providers raise it; they never return errors."""

    code = ErrorCode.PROVIDER_ERROR


class ProviderUnavailable(DomainError):
    """The outcome of a provider call is unknown (timeout, lost connection, 5xx, 429, anything the
    provider cannot vouch for): it may have acted. What was written before the call is kept and settled
    later by asking again with the same idempotency key; the caller may retry (``retryable``).

    Deliberately not a :class:`ProviderError`: code that undoes on a refusal must never catch it.
    """

    code = ErrorCode.PROVIDER_UNAVAILABLE

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message, retryable=True, **details)


class AuthorizationPending(NotAllowed):
    """The provider is still settling the authorization (Stripe ``processing``): no payment yet.

    NOT_ALLOWED to a client that asked for a payment now; ``completeCart`` places the order anyway and
    the provider's webhook creates the payment (or marks the session ``error``) later.
    """


class IdempotencyKeyReused(DomainError):
    code = ErrorCode.IDEMPOTENCY_KEY_REUSED


class IdempotencyKeyInUse(DomainError):
    code = ErrorCode.IDEMPOTENCY_KEY_IN_USE


class Unauthenticated(DomainError):
    """No valid credential: a token that is unknown, revoked or expired, or a wrong email or password."""

    code = ErrorCode.UNAUTHENTICATED


class Forbidden(DomainError):
    """A valid credential whose scope may not do this."""

    code = ErrorCode.FORBIDDEN


class TooManyRequests(DomainError):
    """Refused until ``retryAfter`` seconds have passed (failed logins)."""

    code = ErrorCode.TOO_MANY_REQUESTS


class ServiceUnavailable(DomainError):
    """The request was not served now: the database could not be reached, or the worker is at capacity.

    Always ``retryable``: a transaction that failed this way was rolled back (or never began), so the
    same request may be sent again after ``Retry-After``. A COMMIT whose answer was lost is the one case
    where the outcome is unknown; a retry with the same ``Idempotency-Key`` settles it.
    """

    code = ErrorCode.SERVICE_UNAVAILABLE

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message, retryable=True, **details)


def not_found(entity: str, id: str) -> NotFound:
    """Medusa's wording: ``PaymentCollection with id: pay_col_x was not found``."""
    return NotFound(f"{entity} with id: {id} was not found", id=id, entity=entity)
