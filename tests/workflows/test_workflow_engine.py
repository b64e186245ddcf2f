"""The workflow engine through the database: recorded steps, resume, compensation, locks, hooks."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from paymentgraph.db.session import write_transaction
from paymentgraph.db.types import utcnow
from paymentgraph.errors import Conflict, IdempotencyKeyReused, NotAllowed
from paymentgraph.workflows import repository
from paymentgraph.workflows.engine import (
    LEASE_TTL,
    STOP,
    LeaseLost,
    Step,
    StepContext,
    Workflow,
    hold_lock,
)


class Crash(BaseException):
    """A simulated process death: not an Exception, so the engine does not compensate."""


class Journal:
    """Records what the toy workflow's steps did and undid."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.running = 0
        self.max_running = 0

    def step(self, name: str) -> Step:
        async def invoke(ctx: StepContext) -> dict[str, Any]:
            self.events.append(f"do {name}")
            return {"done": name, "input": ctx.input["value"]}

        async def compensate(ctx: StepContext, output: dict[str, Any]) -> None:
            self.events.append(f"undo {output['done']}")

        return Step(name, invoke, compensate)


def toy(journal: Journal, **kwargs: Any) -> Workflow:
    return Workflow("toy", [journal.step("a"), journal.step("b"), journal.step("c")], **kwargs)


async def test_a_run_records_every_step_and_a_retry_replays_the_result(pg: Any) -> None:
    journal = Journal()
    workflow = toy(journal)
    first = await workflow.run(pg, {"value": 1}, idempotency_key="k1")
    again = await workflow.run(pg, {"value": 1}, idempotency_key="k1")
    assert journal.events == ["do a", "do b", "do c"]
    assert (
        first
        == again
        == {
            "a": {"done": "a", "input": 1},
            "b": {"done": "b", "input": 1},
            "c": {"done": "c", "input": 1},
        }
    )


async def test_runs_without_a_key_are_independent(pg: Any) -> None:
    journal = Journal()
    workflow = toy(journal)
    await workflow.run(pg, {"value": 1})
    await workflow.run(pg, {"value": 1})
    assert journal.events.count("do a") == 2


async def test_a_failing_step_compensates_the_completed_steps_in_reverse(pg: Any) -> None:
    journal = Journal()
    workflow = toy(journal)

    async def refuse(ctx: StepContext) -> dict[str, Any]:
        raise NotAllowed("no", step="c")

    with workflow.patched("c", invoke=refuse), pytest.raises(NotAllowed):
        await workflow.run(pg, {"value": 1}, idempotency_key="k1")
    assert journal.events == ["do a", "do b", "undo b", "undo a"]

    # A failed run was undone: the retry with the same key is a fresh attempt.
    journal.events.clear()
    result = await workflow.run(pg, {"value": 1}, idempotency_key="k1")
    assert journal.events == ["do a", "do b", "do c"]
    assert result["c"] == {"done": "c", "input": 1}


async def test_a_failing_hook_after_a_recorded_step_compensates_that_step_too(pg: Any) -> None:
    journal = Journal()
    workflow = toy(journal)

    async def fail(ctx: StepContext, output: dict[str, Any]) -> None:
        raise RuntimeError("boom")

    with workflow.after_step("b", fail), pytest.raises(RuntimeError):
        await workflow.run(pg, {"value": 1}, idempotency_key="k1")
    assert journal.events == ["do a", "do b", "undo b", "undo a"]


async def test_a_crash_between_steps_is_resumed_by_a_retry_with_the_same_key(pg: Any) -> None:
    journal = Journal()
    workflow = toy(journal)

    async def die(ctx: StepContext, output: dict[str, Any]) -> None:
        raise Crash

    with workflow.after_step("b", die), pytest.raises(Crash):
        await workflow.run(pg, {"value": 1}, idempotency_key="k1")
    assert journal.events == ["do a", "do b"]  # nothing undone: the process "died"

    result = await workflow.run(pg, {"value": 1}, idempotency_key="k1")
    assert journal.events == ["do a", "do b", "do c"]  # resumed after the last recorded step
    assert result["a"] == {"done": "a", "input": 1}


async def test_the_same_key_with_another_input_is_refused(pg: Any) -> None:
    workflow = toy(Journal())
    await workflow.run(pg, {"value": 1}, idempotency_key="k1")
    with pytest.raises(IdempotencyKeyReused):
        await workflow.run(pg, {"value": 2}, idempotency_key="k1")


async def test_a_step_can_end_the_run_early(pg: Any) -> None:
    journal = Journal()
    workflow = toy(journal)

    async def finished(ctx: StepContext) -> dict[str, Any]:
        journal.events.append("already done")
        return {STOP: True, "answer": 42}

    with workflow.patched("a", invoke=finished):
        result = await workflow.run(pg, {"value": 1}, idempotency_key="k1")
        again = await workflow.run(pg, {"value": 1}, idempotency_key="k1")
    assert journal.events == ["already done"]
    assert result == again == {"a": {STOP: True, "answer": 42}}


async def test_runs_sharing_a_lock_never_overlap(pg: Any) -> None:
    journal = Journal()

    async def track(ctx: StepContext) -> dict[str, Any]:
        journal.running += 1
        journal.max_running = max(journal.max_running, journal.running)
        await asyncio.sleep(0.01)  # yield so that overlapping runs would interleave here
        journal.running -= 1
        return {}

    workflow = Workflow("locked", [Step("track", track)], lock_key=lambda input: "shared")
    await asyncio.gather(*(workflow.run(pg, {"value": i}) for i in range(6)))
    assert journal.max_running == 1


async def test_test_hooks_restore_the_workflow(pg: Any) -> None:
    journal = Journal()
    workflow = toy(journal)

    async def other(ctx: StepContext) -> dict[str, Any]:
        return {"done": "other", "input": 0}

    with workflow.patched("a", invoke=other):
        pass
    with pytest.raises(KeyError):
        workflow.patched("missing").__enter__()
    await workflow.run(pg, {"value": 1})
    assert journal.events == ["do a", "do b", "do c"]


async def test_a_lease_lives_as_long_as_its_holder_renews_it(pg: Any) -> None:
    # A 1.5 s lease renewed every 0.5 s: held past its TTL while the holder lives, free once it exits.
    ttl = timedelta(seconds=1.5)
    async with hold_lock(pg.sessionmaker, "cart:x", ttl=ttl):
        await asyncio.sleep(3 * ttl.total_seconds())
        with pytest.raises(Conflict):
            async with hold_lock(pg.sessionmaker, "cart:x", ttl=ttl, wait_seconds=0):
                pass
    async with hold_lock(pg.sessionmaker, "cart:x", ttl=ttl, wait_seconds=0):
        pass


async def test_a_run_whose_lease_was_taken_over_records_nothing_and_undoes_nothing(pg: Any) -> None:
    journal = Journal()
    workflow = toy(journal, lock_key=lambda input: "cart:y")

    async def take_over(ctx: StepContext, output: dict[str, Any]) -> None:
        # Another process found the lease lapsed (this holder stalled) and took it.
        later = utcnow() + timedelta(hours=1)
        async with write_transaction(pg.sessionmaker) as session:
            assert await repository.try_lock(session, "cart:y", "other", later, later + LEASE_TTL)

    with workflow.after_step("a", take_over), pytest.raises(LeaseLost) as lost:
        await workflow.run(pg, {"value": 1}, idempotency_key="k1")
    assert lost.value.code == "CONFLICT"
    assert journal.events == ["do a", "do b"]  # b ran, but its record was refused and nothing undone

    async with write_transaction(pg.sessionmaker) as session:
        await repository.unlock(session, "cart:y", "other")  # the other holder finished
    await workflow.run(pg, {"value": 1}, idempotency_key="k1")
    assert journal.events == ["do a", "do b", "do b", "do c"]  # resumed after a, the last record
