"""Housekeeping: expired idempotency keys and old finished runs are deleted; live work is kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from paymentgraph.idempotency import IdempotencyStore
from paymentgraph.workflows.engine import Step, StepContext, Workflow, prune_runs
from paymentgraph.workflows.prune import prune


class Crash(BaseException):
    pass


async def _nothing(ctx: StepContext) -> dict[str, Any]:
    return {}


async def test_prune_runs_keeps_unfinished_runs(pg: Any) -> None:
    workflow = Workflow("prunable", [Step("one", _nothing), Step("two", _nothing)])
    await workflow.run(pg, {}, idempotency_key="done")

    async def die(ctx: StepContext, output: dict[str, Any]) -> None:
        raise Crash

    with workflow.after_step("one", die), pytest.raises(Crash):
        await workflow.run(pg, {}, idempotency_key="crashed")

    assert await prune_runs(pg.sessionmaker, timedelta(0)) == 1
    # The crashed run kept its recovery point: the retry resumes instead of starting over.
    calls: list[str] = []

    async def first(ctx: StepContext) -> dict[str, Any]:
        calls.append("one")
        return {}

    with workflow.patched("one", invoke=first):
        await workflow.run(pg, {}, idempotency_key="crashed")
    assert calls == []


async def test_prune_removes_only_what_expired(pg: Any) -> None:
    store = IdempotencyStore(pg.sessionmaker)
    await store.begin("store", "fresh", "fp")
    assert await prune(pg.sessionmaker) == (0, 0)
