"""Workflow-test fixtures: a PaymentGraph with the system and the counting provider, a seeded cart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from checkout_support import Checkout, CountingProvider, seed_checkout

from paymentgraph import PaymentGraph
from paymentgraph.modules.payment.providers.system import SystemPaymentProvider


@pytest.fixture
def counting() -> CountingProvider:
    return CountingProvider()


@pytest.fixture
async def shop(database_url: str, counting: CountingProvider) -> AsyncIterator[Any]:
    """A connected PaymentGraph loading the system and the counting providers."""
    async with PaymentGraph.connect(database_url, providers=[SystemPaymentProvider(), counting]) as pg:
        await pg.sync_providers()
        yield pg


@pytest.fixture
async def checkout(shop: Any) -> Checkout:
    return await seed_checkout(shop)
