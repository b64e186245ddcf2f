"""Payment providers as rows: list, retrieve, enable or disable."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.errors import InvalidData, NotAllowed, not_found
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.providers.registry import ProviderRegistry
from paymentgraph.modules.payment.repository import common
from paymentgraph.modules.payment.service.listing import Filters, list_and_count
from paymentgraph.modules.payment.service.mapping import provider_dto


class ProviderService:
    """The payment_provider rows; only a provider loaded in this process (``registry``) is enabled."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], registry: ProviderRegistry) -> None:
        self._sessionmaker = sessionmaker
        self._registry = registry

    async def list_payment_providers(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> list[dto.PaymentProvider]:
        """Provider rows (filters: id, is_enabled)."""
        async with read_session(self._sessionmaker) as session:
            rows = await common.list_rows(session, models.PaymentProvider, filters, skip=skip, take=take)
            return [provider_dto(r) for r in rows]

    async def retrieve_payment_provider(self, id: str) -> dto.PaymentProvider:
        async with read_session(self._sessionmaker) as session:
            row = await common.get(session, models.PaymentProvider, id)
            if row is None:
                raise not_found("PaymentProvider", id)
            return provider_dto(row)

    async def update_payment_provider(self, id: str, is_enabled: bool) -> dto.PaymentProvider:
        """Enable or disable a provider; only a loaded provider can be enabled."""
        if not isinstance(is_enabled, bool):
            raise InvalidData("is_enabled must be a boolean", field="is_enabled")
        async with write_transaction(self._sessionmaker) as session:
            row = await common.get(session, models.PaymentProvider, id, lock=True)
            if row is None:
                raise not_found("PaymentProvider", id)
            if is_enabled and id not in self._registry:
                raise NotAllowed(
                    f"Payment provider {id} is not loaded by this server and cannot be enabled",
                    provider_id=id,
                )
            await common.update(session, row, {"is_enabled": is_enabled})
            return provider_dto(row)

    async def list_and_count_payment_providers(
        self, filters: Filters = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[dto.PaymentProvider], int]:
        return await list_and_count(
            self._sessionmaker, self.list_payment_providers, models.PaymentProvider, filters, skip, take
        )
