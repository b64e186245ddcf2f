"""``PaymentGraph``: one connected instance of every module, the link service and the query graph.

async with PaymentGraph.connect("postgresql+asyncpg://...") as pg:
    await pg.migrate()
    collection = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "40"})
    result = await pg.query.graph(entity="payment_collection", fields=["id", "cart.*"])
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from paymentgraph.config import Settings
from paymentgraph.db import migrate as migrations
from paymentgraph.db.session import create_engine, create_sessionmaker
from paymentgraph.events.registry import Handlers
from paymentgraph.identity import IdentityService
from paymentgraph.identity.throttle import ThrottleLimits
from paymentgraph.links.registry import Registry, default_registry
from paymentgraph.links.service import LinkService
from paymentgraph.modules.cart.service import CartModuleService
from paymentgraph.modules.customer.service import CustomerModuleService
from paymentgraph.modules.order.service import OrderModuleService
from paymentgraph.modules.payment.providers.base import AbstractPaymentProvider
from paymentgraph.modules.payment.providers.registry import ProviderRegistry, default_providers
from paymentgraph.modules.payment.service import PaymentModuleService
from paymentgraph.modules.region.service import RegionModuleService
from paymentgraph.query.graph import QueryGraph
from paymentgraph.workflows.webhook_completion import cart_completion_hook


class PaymentGraph:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        settings: Settings,
        registry: Registry,
        providers: ProviderRegistry,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.sessionmaker: async_sessionmaker[AsyncSession] = create_sessionmaker(engine)
        self.registry = registry
        self.providers = providers
        self.payment = PaymentModuleService(self.sessionmaker, providers)
        self.cart = CartModuleService(self.sessionmaker)
        self.customer = CustomerModuleService(self.sessionmaker)
        self.order = OrderModuleService(self.sessionmaker)
        self.region = RegionModuleService(self.sessionmaker)
        self.link = LinkService(self.sessionmaker, registry)
        self.query = QueryGraph(self.sessionmaker, registry)
        self.identity = IdentityService(
            self.sessionmaker,
            self.customer,
            bootstrap_tokens=settings.admin_token_list,
            session_lifetime=timedelta(days=settings.customer_session_days),
            throttle=ThrottleLimits(
                settings.login_failures_per_email,
                settings.login_failures_per_address,
                timedelta(seconds=settings.login_failure_window_seconds),
            ),
        )
        # Subscribers and scheduled jobs (paymentgraph.events): run by a served app's background worker.
        self.handlers = Handlers()
        # A webhook that pays for a cart without an order completes it (Medusa's processPaymentWorkflow);
        # registered here so the Python API behaves like the served app.
        self.payment.add_webhook_hook(cart_completion_hook(self))

    @classmethod
    @asynccontextmanager
    async def connect(
        cls,
        database_url: str | None = None,
        *,
        settings: Settings | None = None,
        providers: Iterable[AbstractPaymentProvider] | None = None,
        registry: Registry | None = None,
    ) -> AsyncIterator[PaymentGraph]:
        """Connect to ``database_url`` (default: settings), yield the instance, dispose on exit."""
        settings = settings or Settings()
        if database_url is not None:
            settings = settings.model_copy(update={"database_url": database_url})
            settings = Settings.model_validate(settings.model_dump())
        engine = create_engine(settings.database_url)
        provider_registry = ProviderRegistry(
            list(providers) if providers is not None else default_providers(settings)
        )
        pg = cls(
            engine,
            settings=settings,
            registry=registry or default_registry(),
            providers=provider_registry,
        )
        try:
            await pg.sync_providers(missing_tables_ok=True)
            yield pg
        finally:
            await pg.close()

    async def migrate(self) -> None:
        """Apply pending migrations, then upsert the loaded payment providers."""
        await migrations.upgrade(self.engine)
        await self.sync_providers()

    async def sync_providers(self, *, missing_tables_ok: bool = False) -> None:
        await self.providers.sync(self.sessionmaker, missing_tables_ok=missing_tables_ok)

    async def close(self) -> None:
        await self.providers.close()
        await self.engine.dispose()
