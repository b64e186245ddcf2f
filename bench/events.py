"""Measurement: what the outbox costs on the payment flow, and the delay from commit to subscriber.

``python -m bench.events [--flows N] [--deliveries N]`` runs it alone; ``python -m bench`` includes it.

1. The payment flow (create collection, create session, authorize, capture; Python API) with the outbox
   paused and recording: SQL statements per flow and flows/s, sequential, PostgreSQL and SQLite.
2. Commit to subscriber: a subscriber on ``payment_collection.created`` notes when it runs; the delay is
   from the moment ``create_payment_collections`` returned (its transaction committed) to that call. A
   worker in the writer's process wakes through the commit hook; one in another process sharing the
   PostgreSQL database (a spawned writer here) wakes through LISTEN/NOTIFY.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from bench.counting import counting
from bench.flows import fresh_postgres_flows_database, fresh_sqlite_flows_database, python_flow, run_flows
from bench.report import Report, table
from paymentgraph import PaymentGraph
from paymentgraph.events import Event
from paymentgraph.events.outbox import paused_for_measurement
from paymentgraph.events.worker import background_worker

NEW_COLLECTION = {"currency_code": "usd", "amount": "1"}


@dataclass(frozen=True)
class OutboxRow:
    database: str
    outbox: str
    statements: int
    flows: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.flows / self.seconds


@dataclass(frozen=True)
class DelayRow:
    database: str
    wake: str
    deliveries: int
    p50_ms: float
    p99_ms: float


async def _outbox_rows(url: str, database: str, count: int) -> list[OutboxRow]:
    """Off and on in alternating blocks, so load from elsewhere on a shared machine falls on both."""
    seconds = {True: 0.0, False: 0.0}
    statements = {}
    async with PaymentGraph.connect(url) as pg:
        await pg.migrate()

        async def flow(paused: bool) -> None:
            if paused:
                with paused_for_measurement():
                    await python_flow(pg)
            else:
                await python_flow(pg)

        for paused in (True, False):
            with counting(pg.engine) as counter:
                await flow(paused)
            statements[paused] = counter.count
        block = max(1, count // 4)
        for _ in range(4):
            for paused in (True, False):
                seconds[paused] += await run_flows(partial(flow, paused), block, 1)
    return [
        OutboxRow(database, label, statements[paused], block * 4, seconds[paused])
        for label, paused in (("off (before)", True), ("on (after)", False))
    ]


async def _delays(url: str, database: str, count: int) -> DelayRow:
    """In one process: the writer's commit hook wakes the worker."""
    committed: dict[str, float] = {}
    handled: dict[str, float] = {}

    async def note(event: Event, _pg: Any) -> None:
        # Noted, not computed here: the worker may run before the writer's call has returned.
        handled[event.data["id"]] = time.perf_counter()

    async with PaymentGraph.connect(url) as pg:
        pg.handlers.subscribe(["payment_collection.created"], note, name="bench.delay")
        async with background_worker(pg, poll_seconds=3600):
            for _ in range(count):
                collection = await pg.payment.create_payment_collections(NEW_COLLECTION)
                committed[collection.id] = time.perf_counter()
                await asyncio.sleep(0.005)  # let the worker run between commits, as requests would
            for _ in range(12000):
                if committed.keys() <= handled.keys():
                    break
                await asyncio.sleep(0.01)
    return _delay_row(database, "commit hook (same process)", committed, handled)


def _delay_row(database: str, wake: str, committed: dict[str, float], handled: dict[str, float]) -> DelayRow:
    """Delays of this run's events (earlier events in the database are delivered too, and ignored)."""
    # A handler that ran before the writer's call returned counts as no delay.
    ordered = sorted(max(0.0, handled[id] - at) for id, at in committed.items())
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return DelayRow(database, wake, len(ordered), statistics.median(ordered) * 1000, p99 * 1000)


def _write_collections(url: str, count: int, stamps: Any) -> None:
    """In another process: create collections and report when each commit returned (wall clock)."""

    async def write() -> None:
        async with PaymentGraph.connect(url) as pg:
            for _ in range(count):
                collection = await pg.payment.create_payment_collections(
                    {"currency_code": "usd", "amount": "1"}
                )
                stamps.put((collection.id, time.time()))
                await asyncio.sleep(0.005)

    asyncio.run(write())


async def _cross_process_delays(url: str, count: int) -> DelayRow:
    """The writer is another process: only LISTEN/NOTIFY can wake this one's worker."""
    handled: dict[str, float] = {}

    async def note(event: Event, _pg: Any) -> None:
        handled[event.data["id"]] = time.time()

    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        stamps = manager.Queue()
        async with PaymentGraph.connect(url) as pg:
            pg.handlers.subscribe(["payment_collection.created"], note, name="bench.delay.listen")
            async with background_worker(pg, poll_seconds=3600) as worker:
                for _ in range(3000):  # LISTEN is up within a moment; the writer must not start before
                    if worker.listening:
                        break
                    await asyncio.sleep(0.01)
                with ProcessPoolExecutor(1, mp_context=context) as writer:
                    await asyncio.get_running_loop().run_in_executor(
                        writer, _write_collections, url, count, stamps
                    )
                committed = dict(stamps.get() for _ in range(count))
                for _ in range(12000):
                    if committed.keys() <= handled.keys():
                        break
                    await asyncio.sleep(0.01)
    return _delay_row("PostgreSQL", "LISTEN/NOTIFY (writer in another process)", committed, handled)


async def suite(
    report: Report, flows: int = 100, deliveries: int = 200
) -> tuple[list[OutboxRow], list[DelayRow]]:
    pg_url = await fresh_postgres_flows_database()
    lite_url = await fresh_sqlite_flows_database()
    outbox = [
        *await _outbox_rows(pg_url, "PostgreSQL", flows),
        *await _outbox_rows(lite_url, "SQLite", flows),
    ]
    report.add(
        "Outbox cost on the payment flow (Python API, sequential)",
        table(
            ["database", "outbox", "SQL statements per flow", "flows", "seconds", "flows/s"],
            [
                [
                    r.database,
                    r.outbox,
                    str(r.statements),
                    str(r.flows),
                    f"{r.seconds:.2f}",
                    f"**{r.per_second:.1f}**",
                ]
                for r in outbox
            ],
        )
        + "\n\nOne multi-row INSERT per transaction that changed state (4 per flow). Creating a collection "
        "also became a transaction on PostgreSQL (it was one autocommit statement), which the off row keeps.",
    )
    delays = [
        await _delays(pg_url, "PostgreSQL", deliveries),
        await _cross_process_delays(pg_url, deliveries),
        await _delays(lite_url, "SQLite", deliveries),
    ]
    report.add(
        "Delay from commit to subscriber",
        table(
            ["database", "wake-up", "deliveries", "p50 ms", "p99 ms"],
            [[d.database, d.wake, str(d.deliveries), f"{d.p50_ms:.1f}", f"{d.p99_ms:.1f}"] for d in delays],
        )
        + "\n\nFrom the moment the service call returned (committed) to the subscriber's call. Polling "
        "(PAYMENTGRAPH_EVENTS_POLL_SECONDS) was set to an hour, so every delivery was woken, not polled.",
    )
    return outbox, delays


def suite_in_own_process(flows: int, deliveries: int) -> str:
    """:func:`suite` in a fresh interpreter; the report's sections as text."""
    report = Report("events")
    asyncio.run(suite(report, flows, deliveries))
    return "\n".join(report.sections)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.events", description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=100)
    parser.add_argument("--deliveries", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(suite(Report("events"), args.flows, args.deliveries))


if __name__ == "__main__":
    main()
