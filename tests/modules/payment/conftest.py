"""Fixtures for the payment module tests: a graph with a failing provider, payment builders."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from payment_fakes import FailingProvider
from scripted_provider import ScriptedProvider

from paymentgraph import PaymentGraph
from paymentgraph.modules.payment import Payment, SystemPaymentProvider


@pytest.fixture
async def pgf(database_url: str) -> AsyncIterator[PaymentGraph]:
    """A PaymentGraph with the system provider and the test-only failing provider."""
    async with PaymentGraph.connect(
        database_url, providers=[SystemPaymentProvider(), FailingProvider()]
    ) as pg:
        await pg.sync_providers()
        yield pg


@pytest.fixture
def scripted() -> ScriptedProvider:
    return ScriptedProvider()


@pytest.fixture
async def pgs(database_url: str, scripted: ScriptedProvider) -> AsyncIterator[PaymentGraph]:
    """A PaymentGraph with the system provider and ``scripted`` (``pp_scripted_default``)."""
    async with PaymentGraph.connect(database_url, providers=[SystemPaymentProvider(), scripted]) as pg:
        await pg.sync_providers()
        yield pg


PaymentFactory = Callable[..., Awaitable[Payment]]


@pytest.fixture
def make_payment() -> PaymentFactory:
    """``await make_payment(pg, amount="100", currency="usd")``: an authorized payment."""

    async def make(
        pg: PaymentGraph,
        amount: str = "100",
        currency: str = "usd",
        provider_id: str = "pp_system_default",
        data: dict[str, Any] | None = None,
    ) -> Payment:
        collection = await pg.payment.create_payment_collections(
            {"currency_code": currency, "amount": amount}
        )
        session = await pg.payment.create_payment_session(
            collection.id, {"provider_id": provider_id, "data": data or {}}
        )
        return await pg.payment.authorize_payment_session(session.id, {})

    return make
