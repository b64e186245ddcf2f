"""Measurement 2: payment flows per second (create collection, create session, authorize, capture).

Runs on a database of its own (``<bench database>_flows`` on PostgreSQL, a separate SQLite file),
emptied first, so the flows' rows never mix with the nested-read seed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import asyncpg
import httpx
import orjson
from sqlalchemy.engine.url import make_url

from bench.counting import counting
from bench.report import Report, table
from bench.server import headers, serving
from bench.settings import DATA_DIR, Scale, asyncpg_dsn, postgres_url
from paymentgraph import PaymentGraph
from paymentgraph.db import migrate as migrations
from paymentgraph.db.session import create_engine

PROVIDER = "pp_system_default"

CREATE_COLLECTION = (
    'mutation { createPaymentCollection(input: {currencyCode: "usd", amount: "40.00"}) { id } }'
)
CREATE_SESSION = (
    "mutation($id: ID!) { createPaymentSession(paymentCollectionId: $id, "
    f'input: {{providerId: "{PROVIDER}"}}) {{ id }} }}'
)
AUTHORIZE = "mutation($id: ID!) { authorizePaymentSession(id: $id) { id } }"
CAPTURE = "mutation($id: ID!) { capturePayment(paymentId: $id) { id capturedAmount } }"


async def fresh_postgres_flows_database(suffix: str = "flows") -> str:
    """``<bench database>_<suffix>``: created if missing, migrated, every table emptied."""
    url = make_url(postgres_url())
    flows = url.set(database=f"{url.database}_{suffix}").render_as_string(hide_password=False)
    admin = await asyncpg.connect(
        asyncpg_dsn(url.set(database="postgres").render_as_string(hide_password=False))
    )
    try:
        name = f"{url.database}_{suffix}"
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    await _migrate(flows)
    conn = await asyncpg.connect(asyncpg_dsn(flows))
    try:
        names = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )
        await conn.execute("TRUNCATE " + ", ".join(f'"{r["tablename"]}"' for r in names) + " CASCADE")
    finally:
        await conn.close()
    return flows


async def fresh_sqlite_flows_database(suffix: str = "flows") -> str:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / f"{suffix}.db"
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{path}"
    await _migrate(url)
    return url


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrations.upgrade(engine)
    finally:
        await engine.dispose()


async def python_flow(pg: Any) -> None:
    """One flow through the Python API."""
    collection = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "40.00"})
    session = await pg.payment.create_payment_session(collection.id, {"provider_id": PROVIDER})
    payment = await pg.payment.authorize_payment_session(session.id)
    captured = await pg.payment.capture_payment({"payment_id": payment.id})
    if captured.captured_amount != collection.amount:
        raise AssertionError(f"flow captured {captured.captured_amount}, expected {collection.amount}")


async def _mutate(
    client: httpx.AsyncClient, url: str, query: str, field: str, **variables: Any
) -> dict[str, Any]:
    response = await client.post(
        url, content=orjson.dumps({"query": query, "variables": variables}), headers=headers()
    )
    body = orjson.loads(response.content)
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{field} failed: {response.status_code} {body.get('errors')}")
    value: dict[str, Any] = body["data"][field]
    return value


async def http_flow(client: httpx.AsyncClient, url: str) -> None:
    """One flow as four GraphQL mutations over HTTP."""
    collection = await _mutate(client, url, CREATE_COLLECTION, "createPaymentCollection")
    session = await _mutate(client, url, CREATE_SESSION, "createPaymentSession", id=collection["id"])
    payment = await _mutate(client, url, AUTHORIZE, "authorizePaymentSession", id=session["id"])
    captured = await _mutate(client, url, CAPTURE, "capturePayment", id=payment["id"])
    if captured["capturedAmount"] != "40.00":
        raise AssertionError(f"flow captured {captured['capturedAmount']}, expected 40.00")


@dataclass(frozen=True)
class FlowRow:
    surface: str
    database: str
    clients: int
    flows: int
    seconds: float
    statements: str
    # The same flow's statements with BEGIN, COMMIT and ROLLBACK, as the database receives them.
    with_control: str

    @property
    def per_second(self) -> float:
        return self.flows / self.seconds


async def run_flows(flow: Callable[[], Awaitable[None]], count: int, clients: int) -> float:
    """Seconds for ``count`` flows run by ``clients`` concurrent clients (after 5 warm-up flows)."""
    for _ in range(5):
        await flow()
    per_client = [count // clients + (1 if i < count % clients else 0) for i in range(clients)]

    async def client(n: int) -> None:
        for _ in range(n):
            await flow()

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in per_client))
    return time.perf_counter() - started


async def statements_per_flow(pg: Any, *, control: bool = False) -> str:
    """Statements of one Python API flow (``control``: BEGIN/COMMIT/ROLLBACK as the database gets them)."""
    with counting(pg.engine, control=control) as counter:
        await python_flow(pg)
    return str(counter.count)


def flows_table(rows: list[FlowRow]) -> str:
    return table(
        [
            "surface",
            "database",
            "clients",
            "flows",
            "seconds",
            "flows/s",
            "SQL statements per flow",
            "with BEGIN/COMMIT",
        ],
        [
            [
                r.surface,
                r.database,
                str(r.clients),
                str(r.flows),
                f"{r.seconds:.2f}",
                f"**{r.per_second:.1f}**",
                r.statements,
                r.with_control,
            ]
            for r in rows
        ],
    )


async def suite(scale: Scale, report: Report) -> list[FlowRow]:
    """Every flow measurement: Python API and HTTP on PostgreSQL, sequential and 8 clients; SQLite."""
    rows: list[FlowRow] = []
    flows_pg = await fresh_postgres_flows_database()
    async with PaymentGraph.connect(flows_pg) as pg:
        await pg.migrate()
        per_flow = await statements_per_flow(pg)
        with_control = await statements_per_flow(pg, control=True)
        for clients, count in ((1, scale.flow_count), (8, scale.concurrent_flow_count)):
            seconds = await run_flows(partial(python_flow, pg), count, clients)
            rows.append(FlowRow("Python API", "PostgreSQL", clients, count, seconds, per_flow, with_control))
    with serving(flows_pg, workers=1) as url:
        async with httpx.AsyncClient(timeout=60) as client:
            for clients, count in ((1, scale.flow_count), (8, scale.concurrent_flow_count)):
                seconds = await run_flows(lambda: http_flow(client, url), count, clients)
                rows.append(
                    FlowRow(
                        "GraphQL over HTTP (1 worker)",
                        "PostgreSQL",
                        clients,
                        count,
                        seconds,
                        per_flow,
                        with_control,
                    )
                )
    flows_lite = await fresh_sqlite_flows_database()
    async with PaymentGraph.connect(flows_lite) as lite:
        await lite.migrate()
        lite_flow = await statements_per_flow(lite)
        lite_control = await statements_per_flow(lite, control=True)
        seconds = await run_flows(partial(python_flow, lite), scale.flow_count, 1)
        rows.append(FlowRow("Python API", "SQLite", 1, scale.flow_count, seconds, lite_flow, lite_control))
    report.add(
        "Payment flows (create collection, create session, authorize, capture)",
        flows_table(rows)
        + "\n\nStatements are counted on the Python API's engine; over HTTP the same service calls run. "
        "'with BEGIN/COMMIT' adds transaction control as the database receives it (an autocommit "
        "statement has none; `python -m bench.flowcount --show` lists them).",
    )
    return rows


def suite_in_own_process(scale: Scale) -> tuple[list[FlowRow], str]:
    """:func:`suite` for a fresh interpreter (unaffected by what the nested read left in the caller)."""
    report = Report("flows")
    rows = asyncio.run(suite(scale, report))
    return rows, report.sections[0]
