"""Stub: replaced by the real provider registry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from paymentgraph.config import Settings
from paymentgraph.modules.payment.providers.base import AbstractPaymentProvider


class ProviderRegistry:
    def __init__(self, providers: Iterable[AbstractPaymentProvider]) -> None:
        self._providers = {p.id: p for p in providers}

    async def sync(self, sessionmaker: Any, *, missing_tables_ok: bool = False) -> None:
        return None

    async def close(self) -> None:
        for provider in self._providers.values():
            await provider.close()


def default_providers(settings: Settings) -> list[AbstractPaymentProvider]:
    return []
