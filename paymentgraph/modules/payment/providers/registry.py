"""The loaded payment providers, by id, and their ``payment_provider`` rows.

At start every loaded provider is upserted enabled, and rows of providers that are no longer loaded
are disabled (Medusa intends this but never does it, reference section 5.3).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.config import Settings
from paymentgraph.db.session import write_transaction
from paymentgraph.errors import InvalidData, NotFound
from paymentgraph.modules.payment.providers.base import AbstractPaymentProvider
from paymentgraph.modules.payment.providers.system import SystemPaymentProvider
from paymentgraph.modules.payment.repository import reference


class ProviderRegistry:
    """Provider instances by id (``pp_<identifier>_<config id>``)."""

    def __init__(self, providers: Iterable[AbstractPaymentProvider] = ()) -> None:
        self._providers: dict[str, AbstractPaymentProvider] = {}
        for provider in providers:
            self.register(provider)

    def register(self, provider: AbstractPaymentProvider) -> None:
        if provider.id in self._providers:
            raise InvalidData(f"Payment provider {provider.id} is registered twice", provider_id=provider.id)
        self._providers[provider.id] = provider

    def get(self, provider_id: str) -> AbstractPaymentProvider:
        """The provider loaded under ``provider_id``; NotFound when none is (Medusa's wording)."""
        if not isinstance(provider_id, str) or not provider_id:
            raise InvalidData("provider_id is required", field="provider_id")
        provider = self._providers.get(provider_id)
        if provider is None:
            raise NotFound(
                f"Unable to retrieve the payment provider with id: {provider_id}. "
                f"Loaded providers: {', '.join(self.ids()) or 'none'}",
                provider_id=provider_id,
                entity="PaymentProvider",
            )
        return provider

    def ids(self) -> list[str]:
        return sorted(self._providers)

    def __contains__(self, provider_id: object) -> bool:
        return provider_id in self._providers

    async def sync(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, missing_tables_ok: bool = False
    ) -> None:
        """Upsert provider rows and seed the default refund reasons."""
        try:
            async with write_transaction(sessionmaker) as session:
                await reference.upsert_providers(session, self._providers)
                await reference.seed_refund_reasons(session)
        except (OperationalError, ProgrammingError, DBAPIError) as exc:
            # Before the first migration the tables do not exist yet; connect() tolerates that.
            missing = "no such table" in str(exc) or "does not exist" in str(exc)
            if not (missing_tables_ok and missing):
                raise

    async def close(self) -> None:
        for provider in self._providers.values():
            await provider.close()


def default_providers(settings: Settings) -> list[AbstractPaymentProvider]:
    """The system provider always; configured providers after it."""
    providers: list[AbstractPaymentProvider] = [SystemPaymentProvider()]
    if settings.stripe_api_key:
        from paymentgraph.modules.payment.providers.stripe import StripeProvider

        providers.append(
            StripeProvider(
                settings.stripe_api_key,
                api_base=settings.stripe_api_base,
                webhook_secret=settings.stripe_webhook_secret,
            )
        )
    return providers
