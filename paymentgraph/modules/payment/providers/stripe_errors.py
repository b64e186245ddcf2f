"""Stripe errors as a definite refusal (ProviderError) or an unknown outcome (ProviderUnavailable).

The line is drawn by one question: can we be sure Stripe did NOT act on the request? Only then may the
module undo what it wrote before the call (a pending capture or refund). Everything else keeps it
pending, to be settled by asking again with the same idempotency key (Stripe replays its first answer).

=========================  ===========  ==================================================================
stripe-python exception    class        why
=========================  ===========  ==================================================================
CardError (402)            refusal      the card or its issuer declined; Stripe answered, nothing moved
InvalidRequestError        refusal      Stripe validated the request and refused it (an amount it will
(400, 404)                              not capture or refund, an intent in the wrong state, no such
                                        object): it answered, so it did not act
AuthenticationError (401)  refusal      rejected before anything ran (wrong or missing API key)
PermissionError (403)      refusal      rejected before anything ran (the key may not do this)
APIConnectionError         unknown      the connection failed or timed out: the request may have reached
                                        Stripe and been executed, and its answer lost
APIError (5xx, 409, an     unknown      Stripe failed while (or after) executing, or the answer could not
unreadable answer)                      be read; 409 is a conflicting concurrent request with the key
RateLimitError (429,       unknown      not executed now, but nothing was refused either: the operation
``lock_timeout``)                       must be retried with the same key, not given up
IdempotencyError           unknown      the key was used before (a concurrent request, or different
                                        parameters): the FIRST request with this key may have
                                        succeeded, and Stripe will not tell us here
any other StripeError      by status    4xx (an answer about this request) refusal; 5xx or no status
                                        unknown
=========================  ===========  ==================================================================
"""

from __future__ import annotations

from typing import Any

import stripe

from paymentgraph.errors import ProviderError, ProviderUnavailable

# Refusals: Stripe answered this request and did not act on it.
_REFUSALS: tuple[type[stripe.StripeError], ...] = (
    stripe.CardError,
    stripe.InvalidRequestError,
    stripe.AuthenticationError,
    stripe.PermissionError,
)
# Unknown outcomes, whatever their HTTP status.
_UNKNOWN: tuple[type[stripe.StripeError], ...] = (
    stripe.APIConnectionError,
    stripe.APIError,
    stripe.RateLimitError,
    stripe.IdempotencyError,
)


def error_field(error: stripe.StripeError, name: str) -> Any:
    """A field of Stripe's error object (``decline_code``, ``payment_intent``...), or None."""
    body = error.json_body if isinstance(error.json_body, dict) else {}
    inner = body.get("error")
    return inner.get(name) if isinstance(inner, dict) else None


def stripe_code(error: stripe.StripeError) -> str | None:
    return error.code or error_field(error, "code")


def is_refusal(error: stripe.StripeError) -> bool:
    """Whether Stripe definitely did not act on the request that raised ``error`` (see the table)."""
    if isinstance(error, _UNKNOWN):
        return False
    if isinstance(error, _REFUSALS):
        return True
    status = error.http_status
    return status is not None and 400 <= status < 500 and status not in (409, 429)


def provider_error(
    error: stripe.StripeError, action: str, *, provider_id: str, **ids: Any
) -> ProviderError | ProviderUnavailable:
    """The refusal or unknown outcome ``error`` stands for, with Stripe's own message and codes."""
    message = error.user_message or str(error) or type(error).__name__
    details: dict[str, Any] = {
        "provider_id": provider_id,
        "stripe_code": stripe_code(error),
        "decline_code": error_field(error, "decline_code"),
        "stripe_error": type(error).__name__,
        "http_status": error.http_status,
        "request_id": error.request_id,
        **ids,
    }
    if is_refusal(error):
        return ProviderError(f"Stripe could not {action}: {message}", **details)
    return ProviderUnavailable(
        f"Stripe's answer to '{action}' is unknown ({message}); nothing is lost: retry the same request",
        **details,
    )
