"""Where the benchmark databases live and how big the seed is."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine.url import make_url

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / ".data"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/paymentgraph_bench"
ADMIN_TOKEN = "bench-admin-token"
# The query at N=1000 is far above the default cost limit (a guard for public traffic), so the
# benchmark raises it; every other setting is the default.
MAX_QUERY_COST = 100_000_000
SERVER_ENV = {"PAYMENTGRAPH_ADMIN_TOKENS": ADMIN_TOKEN, "PAYMENTGRAPH_MAX_QUERY_COST": str(MAX_QUERY_COST)}

# The GraphQL document under test (issue 7); ``$take`` is N.
NESTED_QUERY = """
query Nested($take: Int!, $skip: Int!) {
  paymentCollections(skip: $skip, take: $take) {
    items {
      id amount currencyCode status
      cart { id email }
      paymentSessions { id amount status providerId }
      payments { id amount capturedAmount captures { id amount } refunds { id amount } }
    }
  }
}
"""

# The same selection as query.graph field paths.
NESTED_FIELDS = [
    "id",
    "amount",
    "currency_code",
    "status",
    "cart.id",
    "cart.email",
    "payment_sessions.id",
    "payment_sessions.amount",
    "payment_sessions.status",
    "payment_sessions.provider_id",
    "payments.id",
    "payments.amount",
    "payments.captured_amount",
    "payments.captures.id",
    "payments.captures.amount",
    "payments.refunds.id",
    "payments.refunds.amount",
]


def postgres_url() -> str:
    url = os.environ.get("PAYMENTGRAPH_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    return url


def asyncpg_dsn(url: str) -> str:
    """The plain libpq-style DSN asyncpg wants for a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_url(collections: int) -> str:
    return f"sqlite+aiosqlite:///{DATA_DIR / f'bench_{collections}.db'}"


@dataclass(frozen=True)
class Scale:
    """How much to run: the full benchmark or ``--quick``."""

    collections: int
    runs: dict[int, int]
    load_seconds: float
    flow_count: int
    concurrent_flow_count: int

    @classmethod
    def full(cls) -> Scale:
        return cls(20_000, {10: 100, 100: 40, 1000: 20}, 30.0, 200, 400)

    @classmethod
    def quick(cls) -> Scale:
        return cls(20_000, {10: 20, 100: 20, 1000: 10}, 4.0, 30, 60)
