"""Stripe errors as :class:`~paymentgraph.errors.ProviderError`, keeping Stripe's message and codes."""

from __future__ import annotations

from typing import Any

import stripe

from paymentgraph.errors import ProviderError


def error_field(error: stripe.StripeError, name: str) -> Any:
    """A field of Stripe's error object (``decline_code``, ``payment_intent``...), or None."""
    body = error.json_body if isinstance(error.json_body, dict) else {}
    inner = body.get("error")
    return inner.get(name) if isinstance(inner, dict) else None


def stripe_code(error: stripe.StripeError) -> str | None:
    return error.code or error_field(error, "code")


def provider_error(error: stripe.StripeError, action: str, *, provider_id: str, **ids: Any) -> ProviderError:
    """A ProviderError saying what failed, with Stripe's own message, code and decline code."""
    message = error.user_message or str(error) or type(error).__name__
    return ProviderError(
        f"Stripe could not {action}: {message}",
        provider_id=provider_id,
        stripe_code=stripe_code(error),
        decline_code=error_field(error, "decline_code"),
        stripe_error=type(error).__name__,
        http_status=error.http_status,
        request_id=error.request_id,
        **ids,
    )
