"""Settings from ``PAYMENTGRAPH_*`` environment variables."""

from __future__ import annotations

import re

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///paymentgraph.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENTGRAPH_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # Comma-separated bearer tokens that grant the admin scope.
    admin_tokens: str = ""
    stripe_api_key: str | None = None
    stripe_api_base: str | None = None
    stripe_webhook_secret: str | None = None
    # Set false in production to hide GraphiQL from browsers.
    graphiql: bool = True
    max_query_depth: int = 12
    max_aliases: int = 30
    # Cost = fields weighted by list sizes (a nested list without take counts as 20 items). One million
    # admits the benchmark's nested payment graph at 100 collections with room (258,900; the 50,000 once
    # documented refused it from 20 collections on) and refuses runaway fan-out such as the same read at 1000
    # (2,589,000) or four unbounded nested lists under a page of 1000.
    max_query_cost: int = 1_000_000
    # Lowers the per-list take limit; 1000 is also the engine's own cap (schema/selection.py), so no higher.
    max_take: int = Field(default=1000, ge=1, le=1000)
    max_document_bytes: int = 64 * 1024
    # Selection sets nested inside one another, counted through fragment spreads and inline fragments
    # (GraphiQL's introspection query nests about 15). Below graphql-core's 200, where validation gives up.
    max_query_nesting: int = Field(default=40, ge=2, le=150)
    # How many field nodes may merge into one response path (a field repeated, counting each fragment
    # spread, times the repeats of its parents): bounds the pairwise work of validation's
    # overlapping-fields rule and refuses fragment explosions.
    max_field_repeats: int = Field(default=50, ge=1, le=1000)
    # Comma-separated origins (``https://shop.example``) whose pages may call the API from a browser
    # (CORS); none by default. ``*`` allows any origin (credentials are bearer tokens, never cookies).
    cors_origins: str = ""
    # Age in seconds after which the recovery job settles a pending capture or refund (asks the provider
    # again with the same key); younger ones may still be in flight. 0: every pending one on each run.
    recover_pending_after_seconds: float = 300.0
    # When the served app's maintenance jobs run (retry failed webhook events, settle stale pending
    # captures and refunds): a cron expression, UTC; empty turns them off.
    maintenance_cron: str = "* * * * *"
    # false: this process serves requests only (another process runs subscribers and jobs).
    worker: bool = True
    # The dispatcher wakes on commit (in process), NOTIFY (PostgreSQL) or Redis; this is the fallback.
    events_poll_seconds: float = Field(default=5.0, gt=0)
    # Redis pub/sub carries "events were committed" between processes (optional; PostgreSQL has NOTIFY),
    # and the committed events themselves to every process's GraphQL subscriptions (required for more
    # than one process serving subscriptions).
    redis_url: str | None = None
    # Merchant webhooks: true lets endpoints' URLs reach loopback, private and link-local addresses
    # (development only: it opens server-side request forgery to whoever holds an admin key).
    webhook_allow_private_urls: bool = False
    # A failed delivery is retried until an attempt fails this long after the event was delivered first
    # (the contract's "at least 24 hours"), then it is failed.
    webhook_retry_window_seconds: float = Field(default=86400.0, gt=0)
    # The first retry's delay; each next one is 4 times longer (capped at 720 times this), plus jitter.
    webhook_retry_base_seconds: float = Field(default=30.0, gt=0)
    # The channel committed events are published on: processes sharing a database share it.
    redis_channel: str = "paymentgraph:committed"
    # GraphQL subscriptions (WebSocket): messages one subscription may have waiting for a slow client
    # before the connection is dropped; subscriptions per connection; server pings (0: none).
    subscription_queue_size: int = Field(default=64, ge=1)
    max_subscriptions_per_connection: int = Field(default=100, ge=1)
    ws_ping_seconds: float = Field(default=15.0, ge=0)
    # How often an open WebSocket's token is checked again (revoked, logged out, expired: closed 4403).
    ws_credential_check_seconds: float = Field(default=30.0, gt=0)
    # GraphQL requests (and provider webhooks) one worker runs at once; the excess is answered 503 with
    # Retry-After at once (http/overload.py). Unset: the database pool's capacity less 2 (28 on
    # PostgreSQL, 13 on SQLite); 0: no bound.
    max_in_flight: int | None = Field(default=None, ge=0)
    # Of those, queries one worker runs at once (http/overload.py: reads are CPU-bound in the worker, so
    # beyond a few in flight they only queue inside it); 0: no bound of their own.
    max_reads_in_flight: int = Field(default=4, ge=0)
    # Hours after which the authorization of a cart that never became an order is canceled by that task
    # (Saleor's "release funds for expired checkouts" uses 6); 0 releases only expired authorizations.
    abandoned_authorization_hours: float = Field(default=6.0, ge=0)
    # Customer sessions (login, registerCustomer) last this long unless revoked by logout.
    customer_session_days: float = Field(default=30.0, gt=0)
    # Failed logins allowed per email and per client address within the window, then TOO_MANY_REQUESTS.
    login_failures_per_email: int = Field(default=5, ge=1)
    login_failures_per_address: int = Field(default=50, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=1)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        """Accept plain ``postgresql://`` and ``sqlite://`` URLs and pick the async driver."""
        if not url.strip():
            raise ValueError(
                "is empty: unset it to use ./paymentgraph.db, or set a sqlite:/// or postgresql:// URL"
            )
        if "://" not in url:
            raise ValueError(f"{url!r} is not a database URL (sqlite:///file.db or postgresql://host/db)")
        if url.startswith(("postgresql://", "postgres://")):
            return "postgresql+asyncpg://" + url.split("://", 1)[1]
        if url.startswith("sqlite://"):
            return "sqlite+aiosqlite://" + url.split("://", 1)[1]
        return url

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        for origin in value.split(","):
            origin = origin.strip().rstrip("/")
            if origin and origin != "*" and not re.fullmatch(r"https?://[^/\s]+", origin):
                raise ValueError(
                    f"{origin!r} is not an origin: write scheme://host[:port], e.g. https://shop.example"
                )
        return value

    @field_validator("recover_pending_after_seconds")
    @classmethod
    def _not_negative(cls, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("must be 0 or a positive number of seconds")
        return seconds

    @field_validator("maintenance_cron")
    @classmethod
    def _cron(cls, cron: str) -> str:
        from croniter import croniter

        if cron.strip() and not croniter.is_valid(cron):
            raise ValueError(f"{cron!r} is not a cron expression (empty turns maintenance off)")
        return cron.strip()

    @property
    def admin_token_set(self) -> frozenset[str]:
        return frozenset(self.admin_token_list)

    @property
    def admin_token_list(self) -> tuple[str, ...]:
        """The bootstrap tokens in order: the n-th acts as "token:<n>" (1-based) in audit fields."""
        return tuple(t.strip() for t in self.admin_tokens.split(",") if t.strip())

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]
