"""The Starlette app: ``/graphql`` (GraphiQL in a browser), ``/health``, ``/hooks/payment/{provider}``.

The lifespan owns the connected :class:`~paymentgraph.connection.PaymentGraph` (engine, sessions,
provider clients, registries) and the schema, so every request shares them and shutdown closes them.
It also runs the background worker (``paymentgraph.events.worker``): the event dispatcher that hands
committed events to subscribers, and the scheduler that runs jobs, the built-in maintenance included
(``PAYMENTGRAPH_MAINTENANCE_CRON``); both stop at shutdown. ``PAYMENTGRAPH_WORKER=false`` leaves them
to other processes.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute

from paymentgraph.config import Settings
from paymentgraph.configfile import build_providers, load_config
from paymentgraph.connection import PaymentGraph
from paymentgraph.db.session import pool_capacity
from paymentgraph.events.bus import EventBus, event_bus
from paymentgraph.events.webhooks.handlers import merchant_webhooks
from paymentgraph.events.worker import Worker, background_worker
from paymentgraph.http import graphiql, subscriptions, webhooks
from paymentgraph.http.graphql import graphql_endpoint, is_read_body
from paymentgraph.http.health import health, redis_client
from paymentgraph.http.overload import Admission, default_max_in_flight
from paymentgraph.http.unavailable import answering_outages
from paymentgraph.links.registry import default_registry
from paymentgraph.maintenance import maintenance_jobs
from paymentgraph.plugins import load_plugins

logger = logging.getLogger("paymentgraph.app")

# Gen-0 threshold after start-up: request handling allocates many short-lived objects, and the default
# (700) runs collections that walk ~100k long-lived schema and ORM objects (docs/performance.md, "Why
# GC matters").
GC_GEN0_THRESHOLD = 50_000


def tune_gc() -> None:
    """Freeze what start-up allocated and collect young objects less often."""
    gc.collect()
    # Objects alive now (schema, registries, modules) live as long as the process: keep GC off them.
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)


async def _webhook(request: Request) -> Response:
    # Looked up per request so the webhook module can be replaced without touching the routes.
    return await webhooks.handle(request)


# A database outage around execution (authentication, the Idempotency-Key claim, storing a webhook
# delivery) is answered 503 + Retry-After, never Starlette's plain-text 500.
_graphql = answering_outages(graphql_endpoint)
_webhook_stored = answering_outages(_webhook, webhooks.unavailable_body)


def create_app(settings: Settings | None = None, *, gc_tuning: bool = False) -> Starlette:
    """The application for ``settings`` (default: ``PAYMENTGRAPH_*`` environment variables).

    ``gc_tuning`` is for the serving process (``paymentgraph serve``): it changes process-wide GC settings,
    which tests and embedding applications should not inherit.
    """
    settings = settings or Settings()
    # Bounded once the pool exists (the default derives from its size); /health is never bounded.
    admission = Admission()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from paymentgraph.schema import create_schema
        from paymentgraph.schema.compiled import Operations
        from paymentgraph.schema.limits import Limits

        config = load_config()
        plugins = load_plugins(config)
        registry = default_registry().with_links(*plugins.links) if plugins.links else None
        providers = [*build_providers(config, settings), *plugins.providers]
        async with PaymentGraph.connect(settings=settings, providers=providers, registry=registry) as pg:
            await plugins.start(pg)
            app.state.pg = pg
            app.state.settings = settings
            admission.requests.limit = (
                default_max_in_flight(pool_capacity(pg.engine))
                if settings.max_in_flight is None
                else settings.max_in_flight
            )
            admission.reads.limit = settings.max_reads_in_flight
            app.state.admission = admission
            app.state.plugins = plugins
            app.state.schema = create_schema(pg.registry, settings, mutations=plugins.mutations)
            app.state.operations = Operations(Limits.from_settings(settings))
            if gc_tuning:
                tune_gc()
            logger.info("paymentgraph is serving on %s", pg.engine.url.render_as_string(hide_password=True))
            pending_older_than = timedelta(seconds=settings.recover_pending_after_seconds)
            pg.handlers.add(
                *maintenance_jobs(settings.maintenance_cron, pending_older_than=pending_older_than),
                *merchant_webhooks(),
            )
            app.state.health_redis = redis_client(settings.redis_url) if settings.redis_url else None
            try:
                async with _live_updates(app, pg, settings) as bus, _worker(pg, settings, bus) as worker:
                    app.state.worker = worker
                    yield
            finally:
                if app.state.health_redis is not None:
                    await app.state.health_redis.aclose()

    routes = [
        Route("/graphql", admission.guard(_graphql, reads=is_read_body), methods=["GET", "POST"]),
        WebSocketRoute("/graphql", subscriptions.endpoint),  # GraphQL subscriptions (graphql-transport-ws)
        Route(graphiql.ASSETS_PATH + "/{name}", graphiql.asset, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route(
            "/hooks/payment/{provider}",
            admission.guard(_webhook_stored, webhooks.unavailable_body),
            methods=["POST"],
        ),
    ]
    return Starlette(routes=routes, lifespan=lifespan, middleware=cors_middleware(settings))


# What a page on an allowed origin may send and read (CORS); Content-Type is also what makes a browser
# ask first (a preflight) before a cross-site POST: /graphql refuses bodies that are not JSON.
CORS_REQUEST_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id")
CORS_RESPONSE_HEADERS = ("Idempotency-Key", "Idempotent-Replayed", "X-Request-Id")


def cors_middleware(settings: Settings) -> list[Middleware]:
    """Starlette's CORSMiddleware for ``PAYMENTGRAPH_CORS_ORIGINS``; none when no origin is configured."""
    origins = settings.cors_origin_list
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=list(CORS_REQUEST_HEADERS),
            expose_headers=list(CORS_RESPONSE_HEADERS),
            # Credentials are bearer tokens sent by the page's code, never cookies.
            allow_credentials=False,
            max_age=600,
        )
    ]


@asynccontextmanager
async def _live_updates(app: Starlette, pg: PaymentGraph, settings: Settings) -> AsyncIterator[EventBus]:
    """The event bus and the subscriptions it feeds (``app.state.live``, ``app.state.subscriptions``)."""
    from paymentgraph.schema.live import LiveUpdates

    bus = event_bus(settings.redis_url, settings.redis_channel)
    await bus.start()
    live = LiveUpdates(pg, bus, settings.subscription_queue_size)
    await live.start()
    app.state.live = live
    app.state.subscriptions = subscriptions.SubscriptionView(app.state.schema, pg, live, settings)
    try:
        yield bus
    finally:
        await live.stop()
        await bus.stop()


@asynccontextmanager
async def _worker(pg: PaymentGraph, settings: Settings, bus: EventBus) -> AsyncIterator[Worker | None]:
    if not settings.worker:
        yield None
        return
    async with background_worker(
        pg, poll_seconds=settings.events_poll_seconds, redis_url=settings.redis_url, bus=bus
    ) as worker:
        yield worker


def serving_app() -> Starlette:
    """The app ``paymentgraph serve`` runs (a uvicorn factory: settings from the environment, GC tuned)."""
    return create_app(gc_tuning=True)
