"""Subscribers: at least once per event, in commit order per entity, one worker per event, retries."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import redis.asyncio as redis
from sqlalchemy.engine import make_url

from paymentgraph import PaymentGraph
from paymentgraph.cli import main
from paymentgraph.events import Event, subscriber
from paymentgraph.events.deliveries import list_deliveries, retry_deliveries
from paymentgraph.events.dispatcher import Dispatcher
from paymentgraph.events.outbox import event_row
from paymentgraph.events.worker import REDIS_CHANNEL, background_worker

REPO = Path(__file__).resolve().parents[2]
SYSTEM = "pp_system_default"
REDIS_URL = "redis://127.0.0.1:6379/0"
COLLECTION_EVENTS = ["payment_collection.created", "payment_collection.updated"]


class Recorder:
    """A subscriber's handler that remembers what it was given (and can be told to fail)."""

    def __init__(self, *, fail: bool = False, pause: float = 0.0) -> None:
        self.seen: list[Event] = []
        self.fail = fail
        self.pause = pause
        self.running = 0
        self.overlaps = 0

    async def __call__(self, event: Event, pg: Any) -> None:
        self.running += 1
        self.overlaps += self.running > 1
        try:
            await asyncio.sleep(self.pause)
            if self.fail:
                raise RuntimeError(f"ledger is down ({event.id})")
            self.seen.append(event)
        finally:
            self.running -= 1


async def test_a_subscriber_gets_its_events_once_in_commit_order(pg: PaymentGraph) -> None:
    recorder = Recorder()
    pg.handlers.subscribe(COLLECTION_EVENTS, recorder, name="a")
    collection = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "10"})
    await pg.payment.update_payment_collections(collection.id, {"amount": "12"})
    await pg.payment.create_payment_session(collection.id, {"provider_id": SYSTEM})  # not subscribed

    assert await Dispatcher(pg).run_once() == 3
    assert [(e.name, e.data["id"]) for e in recorder.seen] == [
        ("payment_collection.created", collection.id),
        ("payment_collection.updated", collection.id),  # the amount
        ("payment_collection.updated", collection.id),  # awaiting, after the session
    ]
    assert recorder.seen[0].id.startswith("evt_")
    assert await Dispatcher(pg).run_once() == 0  # handled: nothing twice
    deliveries = await list_deliveries(pg, subscriber="a")
    assert {(d.status, d.attempts) for d in deliveries} == {("succeeded", 1)}


async def test_two_workers_never_run_one_subscriber_twice_for_one_event(database_url: str) -> None:
    recorder = Recorder(pause=0.01)
    async with PaymentGraph.connect(database_url) as one, PaymentGraph.connect(database_url) as two:
        for pg in (one, two):
            pg.handlers.subscribe(
                ["payment_collection.created", "payment_collection.updated"], recorder, name="b"
            )
        collections = [
            await one.payment.create_payment_collections({"currency_code": "usd", "amount": "10"})
            for _ in range(4)
        ]
        for c in collections:
            await two.payment.update_payment_collections(c.id, {"metadata": {"n": 1}})
            await one.payment.update_payment_collections(c.id, {"metadata": {"n": 2}})

        await asyncio.gather(*(Dispatcher(pg).run_once() for pg in (one, two, one, two)))

    ids = [e.id for e in recorder.seen]
    assert len(ids) == len(set(ids)) == 12
    assert recorder.overlaps == 0 or database_url.startswith("postgresql")  # SQLite: one at a time
    for c in collections:
        mine = [e for e in recorder.seen if e.data["id"] == c.id]
        assert [e.name for e in mine] == ["payment_collection.created", *["payment_collection.updated"] * 2]
        assert mine == sorted(mine, key=lambda e: e.id)  # commit order per entity


async def test_a_killed_worker_leaves_the_event_for_another(database_url: str, tmp_path: Path) -> None:
    marker = tmp_path / "started"
    async with PaymentGraph.connect(database_url) as pg:
        collection = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "10"})
        worker = await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(__file__).with_name("worker_process.py")),
            database_url,
            str(marker),
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        try:
            deadline = time.monotonic() + 60
            while not await asyncio.to_thread(marker.exists):
                assert worker.returncode is None, "the worker process exited early"
                assert time.monotonic() < deadline, "the worker process never started the handler"
                await asyncio.sleep(0.05)
        finally:
            worker.send_signal(signal.SIGKILL)  # between the commit and the end of the delivery
            await worker.wait()

        recorder = Recorder()
        pg.handlers.subscribe(["payment_collection.created"], recorder, name="ledger")
        assert await Dispatcher(pg).run_once() == 1

    assert marker.read_text() == recorder.seen[0].id
    assert [e.data["id"] for e in recorder.seen] == [collection.id]


async def test_a_failing_subscriber_is_retried_then_failed_then_retried_by_hand(pg: PaymentGraph) -> None:
    recorder = Recorder(fail=True)
    pg.handlers.subscribe(
        ["payment_collection.created"], recorder, name="c", max_attempts=3, backoff=lambda n: 0
    )
    collection = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "10"})

    await Dispatcher(pg).run_once()
    [failed] = await list_deliveries(pg, status="failed")
    assert (failed.subscriber, failed.attempts, failed.event_name) == ("c", 3, "payment_collection.created")
    assert failed.last_error is not None and "ledger is down" in failed.last_error
    assert await Dispatcher(pg).run_once() == 0  # failed: left for an admin

    recorder.fail = False
    assert await retry_deliveries(pg, [failed.id]) == 1
    await Dispatcher(pg).run_once()
    assert [e.data["id"] for e in recorder.seen] == [collection.id]
    [done] = await list_deliveries(pg, subscriber="c")
    assert (done.status, done.attempts, done.handled_at is not None) == ("succeeded", 1, True)


async def test_a_retry_waits_for_its_growing_delay(pg: PaymentGraph) -> None:
    recorder = Recorder(fail=True)
    pg.handlers.add(subscriber("cart.created", name="d", max_attempts=5)(recorder))
    region = await pg.region.create_regions({"name": "EU", "currency_code": "eur"})
    await pg.cart.create_carts({"region_id": region.id, "currency_code": "eur"})

    await Dispatcher(pg).run_once()
    [pending] = await list_deliveries(pg, subscriber="d")
    assert (pending.status, pending.attempts) == ("pending", 1)
    assert pending.next_attempt_at - pending.updated_at == timedelta(seconds=2)  # then 4, 8, ...
    assert await Dispatcher(pg).run_once() == 0  # not due yet


def test_subscriber_and_job_declarations_are_checked() -> None:
    from paymentgraph.events import Handlers, job

    async def handler(*_: Any) -> None: ...

    with pytest.raises(ValueError, match="not a cron expression"):
        job("every day")(handler)
    with pytest.raises(ValueError, match="at least one event"):
        subscriber()(handler)
    handlers = Handlers()
    handlers.subscribe(["cart.created"], handler, name="x")
    with pytest.raises(ValueError, match="already registered"):
        handlers.subscribe(["cart.created"], handler, name="x")


def test_cli_lists_and_retries_failed_deliveries(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAYMENTGRAPH_DATABASE_URL", database_url)

    async def fail_once() -> str:
        async with PaymentGraph.connect(database_url) as pg:
            pg.handlers.subscribe(
                ["payment_collection.created"], Recorder(fail=True), name="e", max_attempts=1
            )
            await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "10"})
            await Dispatcher(pg).run_once()
            [failed] = await list_deliveries(pg, status="failed")
            return failed.id

    delivery_id = asyncio.run(fail_once())
    assert main(["events", "deliveries", "--status", "failed"]) == 0
    out = capsys.readouterr().out
    assert f"{delivery_id}  e  " in out and "failed  attempts=1  RuntimeError: ledger is down" in out
    assert out.rstrip().endswith("1 delivery")
    assert main(["events", "retry", "--subscriber", "e"]) == 0
    assert capsys.readouterr().out.strip() == "1 failed delivery pending again"
    assert main(["events", "deliveries", "--status", "failed"]) == 0
    assert capsys.readouterr().out.strip() == "0 deliveries"


async def test_a_commit_elsewhere_wakes_the_worker_without_polling(database_url: str) -> None:
    """An event inserted by another process (raw SQL here) wakes the worker: NOTIFY, or Redis for SQLite."""
    recorder = Recorder()
    redis_url = None if database_url.startswith("postgresql") else REDIS_URL
    async with PaymentGraph.connect(database_url) as pg:
        pg.handlers.subscribe(["cart.created"], recorder, name="f")
        async with background_worker(pg, poll_seconds=3600, redis_url=redis_url) as worker:
            await until(lambda: worker.listening)
            await _insert_event_elsewhere(database_url, redis_url)
            await until(lambda: bool(recorder.seen))
    assert [e.data["id"] for e in recorder.seen] == ["cart_elsewhere"]


async def until(check: Any, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.02)


async def _insert_event_elsewhere(database_url: str, redis_url: str | None) -> None:
    row = event_row("cart.created", {"id": "cart_elsewhere"})
    values = (row["id"], row["name"], row["entity_id"], json.dumps(row["data"]), row["created_at"])
    if redis_url is None:
        conn = await asyncpg.connect(
            make_url(database_url).set(drivername="postgresql").render_as_string(False)
        )
        try:  # the trigger NOTIFYs at commit
            await conn.execute(
                "INSERT INTO event (id, name, entity_id, data, created_at) VALUES ($1, $2, $3, $4, $5)",
                *values,
            )
        finally:
            await conn.close()
        return
    path = make_url(database_url).database
    assert path is not None
    params = (*values[:4], values[4].replace(tzinfo=None).isoformat(sep=" "))

    def insert() -> None:
        with sqlite3.connect(path, timeout=30) as db:  # another process's commit, then its message
            db.execute(
                "INSERT INTO event (id, name, entity_id, data, created_at) VALUES (?, ?, ?, ?, ?)", params
            )

    # In a thread: a blocking wait for SQLite's write lock on the event loop would stop the worker that
    # holds it from ever releasing it (the test, not the worker, would deadlock).
    await asyncio.to_thread(insert)
    client = redis.from_url(redis_url)
    try:
        await client.publish(REDIS_CHANNEL, "1")
    finally:
        await client.aclose()
