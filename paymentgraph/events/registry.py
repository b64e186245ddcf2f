"""The public Python API for reacting to events and running scheduled work.

    from paymentgraph.events import Event, job, subscriber

    @subscriber("payment.captured", max_attempts=8)
    async def record_sale(event: Event, pg: PaymentGraph) -> None:
        ...  # at least once per event: make it idempotent (the event id is a natural key)

    @job("0 3 * * *")   # cron, UTC
    async def nightly_report(pg: PaymentGraph) -> None:
        ...

    pg.handlers.add(record_sale, nightly_report)          # or a plugin's register(plugin): plugin.add(...)
    pg.handlers.subscribe(["cart.completed"], handler)    # the same without a decorator

A subscriber's name (default: ``module.function``) is its identity in the database: its record of what it
has handled is kept under that name, so renaming it starts it afresh on new events.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from croniter import croniter

EventHandler = Callable[["Event", Any], Awaitable[None]]
JobHandler = Callable[[Any], Awaitable[None]]
ALL_EVENTS = "*"
DEFAULT_MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Event:
    """A committed domain event as a subscriber receives it."""

    id: str
    name: str
    data: dict[str, Any]
    created_at: datetime


def exponential_backoff(attempts: int) -> float:
    """Seconds before the next attempt after ``attempts`` failures: 2, 4, 8, ... capped at one hour."""
    return float(min(2**attempts, 3600))


@dataclass(frozen=True)
class Subscriber:
    """A handler for some event names (``"*"``: all), run at least once per event, in order per entity."""

    name: str
    events: tuple[str, ...]
    handler: EventHandler
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff: Callable[[int], float] = field(default=exponential_backoff)

    def __post_init__(self) -> None:
        if not self.events:
            raise ValueError(f"subscriber {self.name}: name at least one event (or '*')")
        if self.max_attempts < 1:
            raise ValueError(f"subscriber {self.name}: max_attempts must be at least 1")

    def handles(self, event_name: str) -> bool:
        return ALL_EVENTS in self.events or event_name in self.events

    async def __call__(self, event: Event, pg: Any) -> None:
        await self.handler(event, pg)


@dataclass(frozen=True)
class Job:
    """A handler run once per time its cron expression (UTC) names, by one worker of all."""

    name: str
    cron: str
    handler: JobHandler

    def __post_init__(self) -> None:
        if not croniter.is_valid(self.cron):
            raise ValueError(f"job {self.name}: {self.cron!r} is not a cron expression")

    async def __call__(self, pg: Any) -> None:
        await self.handler(pg)


@dataclass(frozen=True)
class Loop:
    """A task the background worker runs as long as it runs (``async def run(pg)``), started again
    after a pause if it fails: work on a clock of its own, such as sending merchant webhooks."""

    name: str
    run: JobHandler


def _default_name(handler: Callable[..., Any]) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def subscriber(
    *events: str,
    name: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    backoff: Callable[[int], float] | None = None,
) -> Callable[[EventHandler], Subscriber]:
    """Decorate ``async def handler(event, pg)`` as a :class:`Subscriber` of ``events``."""

    def wrap(handler: EventHandler) -> Subscriber:
        return Subscriber(
            name or _default_name(handler),
            tuple(events),
            handler,
            max_attempts,
            backoff or exponential_backoff,
        )

    return wrap


def job(cron: str, *, name: str | None = None) -> Callable[[JobHandler], Job]:
    """Decorate ``async def handler(pg)`` as a :class:`Job` run at the times ``cron`` names (UTC)."""

    def wrap(handler: JobHandler) -> Job:
        return Job(name or _default_name(handler), cron, handler)

    return wrap


class Handlers:
    """The subscribers, jobs and loops of one PaymentGraph (``pg.handlers``); names are unique."""

    def __init__(self) -> None:
        self.subscribers: dict[str, Subscriber] = {}
        self.jobs: dict[str, Job] = {}
        self.loops: dict[str, Loop] = {}

    def add(self, *items: Subscriber | Job | Loop) -> None:
        for item in items:
            if not isinstance(item, Subscriber | Job | Loop):
                raise TypeError(f"expected a Subscriber, a Job or a Loop, got {type(item).__name__}")
            table: dict[str, Any] = (
                self.subscribers
                if isinstance(item, Subscriber)
                else self.jobs
                if isinstance(item, Job)
                else self.loops
            )
            if item.name in table and table[item.name] is not item:
                raise ValueError(f"a {type(item).__name__.lower()} named {item.name!r} is already registered")
            table[item.name] = item

    def subscribe(
        self,
        events: Iterable[str],
        handler: EventHandler,
        *,
        name: str | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff: Callable[[int], float] | None = None,
    ) -> Subscriber:
        """Register ``handler`` for ``events`` (the call form of :func:`subscriber`)."""
        sub = subscriber(*events, name=name, max_attempts=max_attempts, backoff=backoff)(handler)
        self.add(sub)
        return sub

    def schedule(self, cron: str, handler: JobHandler, *, name: str | None = None) -> Job:
        """Register ``handler`` as a job (the call form of :func:`job`)."""
        scheduled = job(cron, name=name)(handler)
        self.add(scheduled)
        return scheduled

    def subscribers_of(self, event_name: str) -> list[Subscriber]:
        return [s for s in self.subscribers.values() if s.handles(event_name)]
