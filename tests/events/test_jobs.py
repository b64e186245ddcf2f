"""Scheduled jobs: once per scheduled time across workers, their runs visible, failures recorded."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from paymentgraph import PaymentGraph
from paymentgraph.cli import main
from paymentgraph.events import job
from paymentgraph.events.scheduler import Scheduler, list_job_runs

START = datetime(2026, 11, 30, 2, 59, 30, tzinfo=UTC)


async def test_two_workers_never_run_a_job_twice_for_one_scheduled_time(database_url: str) -> None:
    calls: list[str] = []

    @job("0 3 * * *", name="nightly")
    async def nightly(pg: Any) -> None:
        calls.append(pg.name)
        await asyncio.sleep(0.01)

    async with PaymentGraph.connect(database_url) as one, PaymentGraph.connect(database_url) as two:
        one.name, two.name = "one", "two"  # type: ignore[attr-defined]
        schedulers = [Scheduler(pg, since=START) for pg in (one, two, one, two)]
        for pg in (one, two):
            pg.handlers.add(nightly)
        three = datetime(2026, 11, 30, 3, 0, 0, tzinfo=UTC)
        ran = await asyncio.gather(
            *(s.run_due(three + timedelta(seconds=i)) for i, s in enumerate(schedulers))
        )
        assert sum(len(r) for r in ran) == len(calls) == 1
        # Later in the same day: the 03:00 run is done; the next is tomorrow's.
        assert await schedulers[0].run_due(three + timedelta(hours=5)) == []
        assert await schedulers[1].run_due(three + timedelta(days=1)) == ["nightly"]

        runs = await list_job_runs(one, job="nightly")
    assert [(r.scheduled_at, r.status) for r in runs] == [
        (three + timedelta(days=1), "succeeded"),
        (three, "succeeded"),
    ]
    assert all(r.finished_at is not None and r.error is None for r in runs)


async def test_a_time_before_the_scheduler_started_is_skipped(pg: PaymentGraph) -> None:
    calls: list[datetime] = []
    pg.handlers.schedule("0 3 * * *", lambda _pg: _append(calls), name="nightly")
    scheduler = Scheduler(pg, since=START + timedelta(hours=1))  # started at 03:59:30
    assert await scheduler.run_due(START + timedelta(hours=2)) == []
    assert calls == []


async def _append(calls: list[Any]) -> None:
    calls.append(1)


async def test_a_failing_job_is_recorded_and_logged(
    pg: PaymentGraph, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(_pg: Any) -> None:
        raise RuntimeError("report store is down")

    pg.handlers.schedule("*/5 * * * *", broken, name="report")
    with caplog.at_level(logging.ERROR, logger="paymentgraph.events.scheduler"):
        assert await Scheduler(pg, since=START).run_due(START + timedelta(minutes=1)) == ["report"]
    [run] = await list_job_runs(pg)
    assert (run.job, run.scheduled_at, run.status) == ("report", START + timedelta(seconds=30), "failed")
    assert run.error == "RuntimeError: report store is down"
    assert "job report" in caplog.text


def test_cli_lists_job_runs(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv("PAYMENTGRAPH_DATABASE_URL", database_url)

    async def run_one() -> None:
        async with PaymentGraph.connect(database_url) as pg:
            pg.handlers.schedule("* * * * *", _noop, name="tick")
            await Scheduler(pg, since=START).run_due(START + timedelta(minutes=1))

    asyncio.run(run_one())
    assert main(["events", "jobs"]) == 0
    out = capsys.readouterr().out
    assert "tick  2026-11-30T03:00:00+00:00  succeeded" in out
    assert out.rstrip().endswith("1 run(s)")


async def _noop(_pg: Any) -> None:
    return None
