"""Measurement: merchant webhook deliveries per second to a receiver on loopback, and what bounds them.

``python -m bench.webhooks [--events N]`` runs it alone; ``python -m bench`` includes it.

N ``payment_collection.created`` events are committed first (Python API) with E endpoints listing them;
then the background worker starts (the dispatcher with the delivery subscriber, and the sender), and the
clock runs from its start until the receiver has all N x E requests. The receiver answers 204 at once
over keep-alive HTTP/1.1 connections, so the figure is paymentgraph's side: the dispatcher's fan-out and
subscriber run per event, then per delivery the sender's claim, the POST and the recorded outcome.
SQL statements are counted on the engine over the whole run, divided by the deliveries.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

from sqlalchemy import func, select

from bench.counting import counting
from bench.flows import fresh_postgres_flows_database, fresh_sqlite_flows_database
from bench.report import Report, table
from paymentgraph import PaymentGraph
from paymentgraph.config import Settings
from paymentgraph.db.types import utcnow
from paymentgraph.events.webhooks.endpoints import create_endpoint
from paymentgraph.events.webhooks.handlers import merchant_webhooks
from paymentgraph.events.webhooks.models import WebhookDelivery
from paymentgraph.events.worker import background_worker

NEW_COLLECTION = {"currency_code": "usd", "amount": "1"}


@dataclass(frozen=True)
class DeliveryRow:
    database: str
    endpoints: int
    deliveries: int
    seconds: float
    made_after: float  # when the subscriber had made the last delivery, from the worker's start
    statements: int

    @property
    def per_second(self) -> float:
        return self.deliveries / self.seconds


class FastReceiver:
    """Counts POSTs and answers 204 at once, keeping connections open (HTTP/1.1 keep-alive)."""

    def __init__(self) -> None:
        self.received = 0
        self.done = asyncio.Event()
        self.expected = 0
        self.url = ""
        self.server: asyncio.Server | None = None
        self.connections: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/hooks"

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.connections):  # the sender's idle keep-alive connections
            writer.close()
        await self.server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                await writer.drain()
                self.received += 1
                if self.received >= self.expected:
                    self.done.set()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.connections.discard(writer)
            writer.close()


async def _row(url: str, database: str, events: int, endpoints: int) -> DeliveryRow:
    settings = Settings(database_url=url, webhook_allow_private_urls=True, events_poll_seconds=3600)
    receiver = FastReceiver()
    await receiver.start()
    try:
        async with PaymentGraph.connect(url, settings=settings) as pg:
            for _ in range(endpoints):
                await create_endpoint(pg, receiver.url, ["payment_collection.created"])
            for _ in range(events):
                await pg.payment.create_payment_collections(NEW_COLLECTION)
            receiver.expected = events * endpoints
            pg.handlers.add(*merchant_webhooks())
            with counting(pg.engine) as counter:
                started, wall = time.perf_counter(), utcnow()
                async with background_worker(pg, poll_seconds=3600):
                    await asyncio.wait_for(receiver.done.wait(), 600)
                    seconds = time.perf_counter() - started
            async with pg.sessionmaker() as session:
                last_made = await session.scalar(select(func.max(WebhookDelivery.created_at)))
    finally:
        await receiver.stop()
    made_after = (last_made - wall).total_seconds()
    return DeliveryRow(database, endpoints, events * endpoints, seconds, made_after, counter.count)


async def suite(report: Report, events: int = 300) -> list[DeliveryRow]:
    rows = []
    for endpoints in (1, 4):
        rows.append(
            await _row(await fresh_postgres_flows_database("webhooks"), "PostgreSQL", events, endpoints)
        )
        rows.append(await _row(await fresh_sqlite_flows_database("webhooks"), "SQLite", events, endpoints))
    report.add(
        "Merchant webhook deliveries to a loopback receiver",
        table(
            [
                "database",
                "endpoints",
                "deliveries",
                "seconds",
                "deliveries/s",
                "last delivery made at (s)",
                "SQL statements per delivery",
            ],
            [
                [
                    r.database,
                    str(r.endpoints),
                    str(r.deliveries),
                    f"{r.seconds:.2f}",
                    f"**{r.per_second:.0f}**",
                    f"{r.made_after:.2f}",
                    f"{r.statements / r.deliveries:.1f}",
                ]
                for r in rows
            ],
        )
        + "\n\nFrom the worker's start to the receiver's last request; the events were committed before. "
        "What bounds it is making the deliveries, not sending them: the sender's last request follows the "
        "last delivery made by a few milliseconds (compare the two columns). Deliveries are made by the "
        "subscriber machinery, one event at a time: per event the dispatcher's claim transaction wraps the "
        "subscriber's read of the endpoints and one INSERT of its deliveries. Sending costs a claim (a "
        "read, a conditional UPDATE shared by a batch) and a recorded outcome per delivery (one write "
        "transaction: the delivery's UPDATE and the attempt's INSERT). More endpoints per event share the "
        "per-event cost, hence the lower statement count.",
    )
    return rows


def suite_in_own_process(events: int) -> str:
    """:func:`suite` in a fresh interpreter; the report's section as text."""
    report = Report("webhooks")
    asyncio.run(suite(report, events))
    return "\n".join(report.sections)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(suite(Report("webhooks"), args.events))


if __name__ == "__main__":
    main()
