"""What callers hand the service: dicts checked as objects, and the provider context built from one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paymentgraph.errors import InvalidData
from paymentgraph.modules.payment.providers.base import ProviderContext

_CONTEXT_KEYS = {"idempotency_key", "customer", "account_holder"}


def provider_context(context: Mapping[str, Any] | None, *, idempotency_key: str | None) -> ProviderContext:
    """The provider context from a caller's dict; our idempotency key wins over the caller's."""
    context = require_dict(context, "context")
    return ProviderContext(
        idempotency_key=idempotency_key or context.get("idempotency_key"),
        customer=context.get("customer"),
        account_holder=context.get("account_holder"),
        extra={k: v for k, v in context.items() if k not in _CONTEXT_KEYS},
    )


def require_dict(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidData(f"{field} must be an object", field=field)
    return dict(value)
