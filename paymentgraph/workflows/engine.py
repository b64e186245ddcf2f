"""A small workflow engine: named steps with compensations, recorded runs, resume after a crash.

A :class:`Workflow` is a sequence of :class:`Step` s. ``await workflow.run(pg, input, idempotency_key=k)``:

- takes the workflow's lock (e.g. one per cart), waiting while another run holds it;
- finds or creates the run for ``(workflow, k)``. A succeeded run returns its stored result without
  running anything. The same key with another input is refused (``IDEMPOTENCY_KEY_REUSED``);
- skips the steps the run already recorded (their outputs are reloaded) and runs the rest, recording
  each step's output as it completes: the recovery point a retry with the same key resumes after;
- when a step (or a hook after it) raises an ``Exception``, runs the compensations of the completed
  steps in reverse, marks the run failed (a retry starts a new attempt) and re-raises.
- A ``BaseException`` that is not an ``Exception`` (task cancellation, shutdown, a simulated process
  death in tests) compensates nothing: the run stays ``running`` for a retry to finish.

Steps must be idempotent (a crash between a step's effect and its record re-runs it on resume): they
look for their own earlier effect first, and external calls use keys derived from stable ids (the
payment module keys provider calls by session id; ``ctx.step_key(name)`` is there for other calls).
Runs that share ``lock_key(input)`` (e.g. one cart) run one at a time under a lease (see
:func:`hold_lock`) that lives only as long as its holder: a killed process's lease lapses within
seconds, so the shopper's retry resumes the run instead of being refused for minutes.

Test hook (fault injection without monkeypatching): ``workflow.patched(step, invoke=..., compensate=...)``
replaces a step's functions and ``workflow.after_step(step, hook)`` calls ``hook(ctx, output)`` right
after the step was recorded; both are context managers that restore the workflow on exit.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.ids import new_id, ulid
from paymentgraph.db.session import json_dumps, write_transaction
from paymentgraph.db.types import utcnow
from paymentgraph.errors import Conflict, DomainError, IdempotencyKeyReused
from paymentgraph.workflows import repository

if TYPE_CHECKING:
    from paymentgraph.workflows.services import Services

log = logging.getLogger(__name__)

#: A step output carrying this key (truthy) ends the run successfully after the step is recorded.
STOP = "__stop__"

# Leases are tied to a live process by a heartbeat rather than a PostgreSQL advisory lock: it works the
# same on SQLite and PostgreSQL, needs no connection pinned for the whole request, and a lost host is
# noticed after LEASE_TTL (an advisory lock outlives a vanished client until TCP keepalive gives up,
# two hours by default). The holder renews every LEASE_TTL / 3, so only an event loop stalled for
# the whole TTL can lose a lease while alive; then :class:`LeaseLost` stops it at its next step.
LEASE_TTL = timedelta(seconds=10)
LOCK_WAIT_SECONDS = 30.0


@dataclass
class StepContext:
    """What a step sees: the connected graph, the run's input and the outputs of earlier steps."""

    pg: Services
    input: Mapping[str, Any]
    results: dict[str, dict[str, Any]]
    run_id: str
    idempotency_key: str

    def step_key(self, step: str) -> str:
        """A deterministic key for a step's external call (stable across retries of the run)."""
        return f"{self.idempotency_key}:{step}"


Invoke = Callable[[StepContext], Awaitable[dict[str, Any]]]
Compensate = Callable[[StepContext, dict[str, Any]], Awaitable[None]]
AfterStep = Callable[[StepContext, dict[str, Any]], Awaitable[None]]


async def nothing_to_undo(_ctx: StepContext, _output: dict[str, Any]) -> None:
    """The compensation of a step without side effects (a validation) or whose effect is final."""


@dataclass(frozen=True)
class Step:
    """A named step: ``invoke`` returns a JSON-serialisable dict; ``compensate`` undoes it."""

    name: str
    invoke: Invoke
    compensate: Compensate = nothing_to_undo


def fingerprint(value: Any) -> str:
    """sha256 of the canonical JSON of ``value`` (sorted keys; Decimals as strings)."""
    canonical = json.dumps(json.loads(json_dumps(value)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class LeaseLost(Conflict):
    """This run's lease lapsed (its process stalled past the TTL) and another run may hold it now.

    Raised between steps, never compensated: the run stays ``running`` for the new holder to finish.
    """


@dataclass
class Lease:
    """A held lock: renewed by a heartbeat task and at every recorded step (which also fences it)."""

    sessionmaker: async_sessionmaker[AsyncSession]
    key: str
    owner: str
    ttl: timedelta
    lost: bool = False
    stopped: asyncio.Event = field(default_factory=asyncio.Event)

    def check(self) -> None:
        """LeaseLost when a renewal found the lease in another owner's hands."""
        if self.lost:
            raise LeaseLost(
                f"{self.key} was taken over by another request after this one stalled; "
                "retry with the same Idempotency-Key to get the outcome",
                lock=self.key,
                retryable=True,
            )

    async def renew(self, session: AsyncSession) -> None:
        """Extend the lease in ``session``'s transaction; LeaseLost when another owner has it now."""
        self.check()
        if not await repository.renew_lock(session, self.key, self.owner, utcnow() + self.ttl):
            self.lost = True
            self.check()

    async def keep_alive(self) -> None:
        """Renew every ttl / 3 until stopped or lost; a failed renewal is tried again at the next beat."""
        period = self.ttl.total_seconds() / 3
        while not self.lost:
            try:
                await asyncio.wait_for(self.stopped.wait(), period)
                return
            except TimeoutError:
                pass
            try:
                async with write_transaction(self.sessionmaker) as session:
                    await self.renew(session)
            except LeaseLost:
                log.warning("workflow lease %s was taken over from %s", self.key, self.owner)
            except Exception:
                log.exception("could not renew workflow lease %s", self.key)


def describe_error(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, DomainError):
        return {"code": str(exc.code), "message": exc.message}
    return {"code": "INTERNAL_SERVER_ERROR", "message": type(exc).__name__}


@dataclass
class Workflow:
    """A named sequence of steps; ``lock_key(input)`` names the lock that serialises its runs."""

    name: str
    steps: Sequence[Step]
    lock_key: Callable[[Mapping[str, Any]], str] | None = None
    _after: dict[str, list[AfterStep]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        names = [step.name for step in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"workflow {self.name}: step names must be unique, got {names}")
        self.steps = list(self.steps)

    # ------------------------------------------------------------------ test hooks
    @contextmanager
    def patched(
        self, step: str, *, invoke: Invoke | None = None, compensate: Compensate | None = None
    ) -> Iterator[Step]:
        """Replace a step's invoke and/or compensation until exit; yields the original step."""
        index = self._index(step)
        original = self.steps[index]
        assert isinstance(self.steps, list)
        self.steps[index] = dataclasses.replace(
            original, invoke=invoke or original.invoke, compensate=compensate or original.compensate
        )
        try:
            yield original
        finally:
            self.steps[index] = original

    @contextmanager
    def after_step(self, step: str, hook: AfterStep) -> Iterator[None]:
        """Call ``hook(ctx, output)`` after ``step`` is recorded, until exit."""
        self._index(step)
        hooks = self._after.setdefault(step, [])
        hooks.append(hook)
        try:
            yield
        finally:
            hooks.remove(hook)

    def _index(self, step: str) -> int:
        for index, candidate in enumerate(self.steps):
            if candidate.name == step:
                return index
        raise KeyError(f"workflow {self.name} has no step {step!r}")

    # ------------------------------------------------------------------ running
    async def run(
        self, pg: Services, input: Mapping[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, dict[str, Any]]:
        """Run (or resume) the workflow; returns every step's output by step name."""
        key = idempotency_key or f"auto:{ulid()}"
        if self.lock_key is None and idempotency_key is None:
            return await self._run_locked(pg, input, key)  # a fresh key: nobody else can run it
        lock = self.lock_key(input) if self.lock_key else f"run:{self.name}:{key}"
        async with hold_lock(pg.sessionmaker, lock) as lease:
            return await self._run_locked(pg, input, key, lease)

    async def _run_locked(
        self, pg: Services, input: Mapping[str, Any], key: str, lease: Lease | None = None
    ) -> dict[str, dict[str, Any]]:
        async with write_transaction(pg.sessionmaker) as session:
            run = await repository.get_or_create_run(session, self.name, key, fingerprint(input))
            if run.input_fingerprint != fingerprint(input):
                raise IdempotencyKeyReused(
                    f"Idempotency key {key} was used for {self.name} with different input",
                    workflow=self.name,
                )
            if run.status == "succeeded":
                return dict(run.result or {})
            if run.status == "failed":
                await repository.restart_run(session, run)
            recorded = {step.name: dict(step.output) for step in await repository.steps_of(session, run.id)}
            run_id = run.id
        ctx = StepContext(pg=pg, input=input, results={}, run_id=run_id, idempotency_key=key)
        completed: list[Step] = []
        for position, step in enumerate(self.steps):
            if step.name in recorded:
                ctx.results[step.name] = recorded[step.name]
                completed.append(step)
                if recorded[step.name].get(STOP):
                    break
                continue
            try:
                if lease is not None:
                    lease.check()
                output = await step.invoke(ctx)
                async with write_transaction(pg.sessionmaker) as session:
                    if lease is not None:
                        # Fenced: a holder that lost its lease records nothing over the new holder's run.
                        await lease.renew(session)
                    await repository.record_step(session, run_id, step.name, position, output)
                ctx.results[step.name] = output
                completed.append(step)
                for hook in list(self._after.get(step.name, ())):
                    await hook(ctx, output)
            except LeaseLost:
                raise  # the new holder resumes this run: undoing steps would pull the rug from under it
            except Exception as exc:
                await self._compensate(ctx, completed)
                async with write_transaction(pg.sessionmaker) as session:
                    await repository.finish_run(session, run_id, "failed", error=describe_error(exc))
                raise
            if output.get(STOP):
                break
        async with write_transaction(pg.sessionmaker) as session:
            await repository.finish_run(session, run_id, "succeeded", result=ctx.results)
        return ctx.results

    async def _compensate(self, ctx: StepContext, completed: list[Step]) -> None:
        """Undo completed steps in reverse; a failing compensation is logged and the rest still run."""
        for step in reversed(completed):
            output = ctx.results.get(step.name, {})
            try:
                await step.compensate(ctx, output)
            except Exception:
                log.exception(
                    "workflow %s run %s: compensation of %s failed", self.name, ctx.run_id, step.name
                )
                continue
            async with write_transaction(ctx.pg.sessionmaker) as session:
                await repository.mark_compensated(session, ctx.run_id, step.name)


@asynccontextmanager
async def hold_lock(
    sessionmaker: async_sessionmaker[AsyncSession],
    key: str,
    *,
    ttl: timedelta = LEASE_TTL,
    wait_seconds: float = LOCK_WAIT_SECONDS,
) -> AsyncIterator[Lease]:
    """Hold the named lock ``key`` (waiting up to ``wait_seconds``) as a :class:`Lease`.

    A heartbeat renews it while the block runs; it is released on exit, even on a cancellation. A
    holder that dies stops renewing, so the lease lapses ``ttl`` after its last renewal.
    """
    owner = new_id("wflock")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    delay = 0.01
    while True:
        now = utcnow()
        async with write_transaction(sessionmaker) as session:
            if await repository.try_lock(session, key, owner, now, now + ttl):
                break
        if loop.time() >= deadline:
            raise Conflict(f"{key} is being processed by another request; retry later", lock=key)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.2)
    lease = Lease(sessionmaker, key, owner, ttl)
    heartbeat = asyncio.create_task(lease.keep_alive(), name=f"lease {key}")
    try:
        yield lease
    finally:
        lease.stopped.set()  # a renewal under way finishes rather than being cut off mid-write
        # Shielded so a cancelled request still frees the lock for its retry.
        await asyncio.shield(_release(heartbeat, sessionmaker, key, owner))


async def _release(
    heartbeat: asyncio.Task[None], sessionmaker: async_sessionmaker[AsyncSession], key: str, owner: str
) -> None:
    await heartbeat
    async with write_transaction(sessionmaker) as session:
        await repository.unlock(session, key, owner)


async def prune_runs(sessionmaker: async_sessionmaker[AsyncSession], older_than: timedelta) -> int:
    """Delete finished runs older than ``older_than``; returns how many."""
    async with write_transaction(sessionmaker) as session:
        return await repository.prune_runs(session, utcnow() - older_than)
