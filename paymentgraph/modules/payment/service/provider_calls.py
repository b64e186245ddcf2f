"""Reaching a payment provider: which one may be used, and its calls' errors named and classified."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.errors import (
    DomainError,
    InvalidData,
    NotAllowed,
    ProviderError,
    ProviderUnavailable,
    not_found,
)
from paymentgraph.modules.payment import models
from paymentgraph.modules.payment.providers.base import AbstractPaymentProvider
from paymentgraph.modules.payment.providers.registry import ProviderRegistry
from paymentgraph.modules.payment.repository import common

T = TypeVar("T")


class ProviderCalls:
    """The loaded providers (``get``, ``usable``, ``enabled``) and ``call``, which awaits one of theirs."""

    def __init__(self, registry: ProviderRegistry) -> None:
        self._registry = registry

    def get(self, provider_id: str) -> AbstractPaymentProvider:
        """The loaded provider; NOT_FOUND when this process has none by that id."""
        return self._registry.get(provider_id)

    async def enabled(self, session: AsyncSession, provider_id: Any) -> AbstractPaymentProvider:
        """A loaded provider whose row is enabled; NOT_FOUND for an unknown id, NOT_ALLOWED otherwise."""
        if not isinstance(provider_id, str) or not provider_id:
            raise InvalidData("provider_id is required", field="provider_id")
        row = await common.get(session, models.PaymentProvider, provider_id)
        return self.usable(provider_id, None if row is None else row.is_enabled)

    def usable(self, provider_id: Any, enabled: bool | None) -> AbstractPaymentProvider:
        """The loaded provider if its row's is_enabled (``enabled``, None: no live row) allows it."""
        if not isinstance(provider_id, str) or not provider_id:
            raise InvalidData("provider_id is required", field="provider_id")
        if enabled is None:
            # Unknown everywhere (the same answer as initiatePaymentSession and the provider registry).
            raise not_found("PaymentProvider", provider_id)
        if provider_id not in self._registry:
            raise NotAllowed(
                f"Payment provider {provider_id} is not loaded in this process; loaded providers: "
                f"{', '.join(self._registry.ids()) or 'none'}",
                provider_id=provider_id,
            )
        if not enabled:
            raise NotAllowed(f"Payment provider {provider_id} is disabled", provider_id=provider_id)
        return self._registry.get(provider_id)

    async def call(self, provider_id: str, action: str, call: Awaitable[T], **ids: Any) -> T:
        """Await a provider call; its errors come out naming the provider and ``ids``.

        A DomainError is the provider's own verdict (a refusal, or ProviderUnavailable); any other
        exception is an outcome the provider did not vouch for, so ProviderUnavailable (see
        providers/base.py). A cancellation or crash (BaseException) passes through untouched.
        """
        try:
            return await call
        except (ProviderError, ProviderUnavailable) as exc:
            exc.details.setdefault("provider_id", provider_id)
            for key, value in ids.items():
                if value is not None:
                    exc.details.setdefault(key, value)
            raise
        except DomainError:
            raise
        except Exception as exc:
            raise ProviderUnavailable(
                f"Payment provider {provider_id} did not say whether it could {action} ({exc}); "
                "nothing is lost: retry the same request",
                provider_id=provider_id,
                **ids,
            ) from exc
