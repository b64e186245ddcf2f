"""The background worker of a served process: the dispatcher, the scheduler and the handlers' loops.

The dispatcher wakes at once when an event is committed: in this process through the outbox's commit
hook, in other processes through PostgreSQL ``LISTEN paymentgraph_events`` (a trigger NOTIFYs at the
commit of every transaction that wrote events) or, with ``PAYMENTGRAPH_REDIS_URL``, a Redis pub/sub
message published after such a commit. Polling every ``PAYMENTGRAPH_EVENTS_POLL_SECONDS`` remains only as
the fallback (a lost connection, a retry whose delay ran out). The scheduler sleeps until the next time
a job is due. Both log and survive errors; both stop with the block.

With an event bus (live GraphQL subscriptions), the fan-out runs in a task of its own, woken the same
way, so publishing committed events never waits behind a slow subscriber's handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from paymentgraph.db.session import is_sqlite
from paymentgraph.events.bus import EventBus
from paymentgraph.events.dispatcher import FAN_OUT_BATCH, Dispatcher
from paymentgraph.events.outbox import NOTIFY_CHANNEL, on_commit_with_events, remove_commit_listener
from paymentgraph.events.registry import Loop
from paymentgraph.events.scheduler import Scheduler

if TYPE_CHECKING:
    from paymentgraph.connection import PaymentGraph

logger = logging.getLogger(__name__)

REDIS_CHANNEL = "paymentgraph:events"
# The scheduler re-reads the clock at least this often (a job added or a clock jump is noticed).
_SCHEDULER_MAX_SLEEP = 60.0
# Another worker held the fan-out lock: look again this soon (its scan may have begun before our commit).
_FAN_OUT_BUSY_RETRY = 0.05


@dataclass
class Worker:
    """The running dispatcher and scheduler tasks of one process (``app.state.worker``)."""

    dispatcher: Dispatcher
    scheduler: Scheduler
    poll_seconds: float
    redis_url: str | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    fan_out_wake: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    listening: bool = False  # True once LISTEN or Redis delivers wake-ups from other processes

    def wake_up(self) -> None:
        self.wake.set()
        self.fan_out_wake.set()

    @property
    def separate_fan_out(self) -> bool:
        return self.dispatcher.bus is not None

    async def run_dispatcher(self) -> None:
        while True:
            self.wake.clear()
            try:
                await self.dispatcher.run_once(fan_out=not self.separate_fan_out)
            except Exception:
                logger.exception("event dispatch failed; retrying after the poll interval")
            await wait_for_wake(self.wake, self.poll_seconds)

    async def run_fan_out(self) -> None:
        """Fan out (and so publish on the bus) as soon as events are committed."""
        while True:
            self.fan_out_wake.clear()
            try:
                while (fanned := await self.dispatcher.fan_out()) == FAN_OUT_BATCH:
                    pass
                if fanned:
                    self.wake.set()  # deliveries are due
                elif self.dispatcher.fan_out_was_busy:
                    await asyncio.sleep(_FAN_OUT_BUSY_RETRY)
                    self.fan_out_wake.set()
            except Exception:
                logger.exception("event fan-out failed; retrying after the poll interval")
            await wait_for_wake(self.fan_out_wake, self.poll_seconds)

    async def run_scheduler(self) -> None:
        while True:
            try:
                await self.scheduler.run_due()
            except Exception:
                logger.exception("scheduled jobs failed to run")
            pause = self.scheduler.seconds_until_next()
            await asyncio.sleep(
                min(pause if pause is not None else _SCHEDULER_MAX_SLEEP, _SCHEDULER_MAX_SLEEP)
            )

    async def run_loop(self, loop: Loop) -> None:
        """Run a handlers' loop; if it fails, log it and start it again after the poll interval."""
        while True:
            try:
                await loop.run(self.dispatcher.pg)
            except Exception:
                logger.exception("background loop %s failed; starting it again", loop.name)
            await asyncio.sleep(self.poll_seconds)

    async def listen_postgres(self) -> None:
        """LISTEN on the outbox's channel and wake the dispatcher on every NOTIFY."""
        import asyncpg

        url = self.dispatcher.pg.engine.url
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        while True:
            try:
                conn = await asyncpg.connect(dsn)
            except (OSError, asyncpg.PostgresError) as exc:
                logger.warning("LISTEN connection failed (%s); polling until it is back", exc)
                await asyncio.sleep(self.poll_seconds)
                continue
            lost = asyncio.Event()
            try:
                await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self.wake_up())
                conn.add_termination_listener(lambda *_, lost=lost: lost.set())
                self.listening = True
                self.wake_up()  # anything committed while we were not listening
                await lost.wait()
            finally:
                self.listening = False
                with contextlib.suppress(Exception):
                    await conn.close()

    async def listen_redis(self, url: str) -> None:
        """Subscribe to the Redis channel other processes publish to after committing events."""
        import redis.asyncio as redis

        while True:
            client = redis.from_url(url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(REDIS_CHANNEL)
                    self.listening = True
                    self.wake_up()
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self.wake_up()
            except (OSError, redis.RedisError) as exc:
                logger.warning("Redis subscription failed (%s); polling until it is back", exc)
            finally:
                self.listening = False
                await client.aclose()
            await asyncio.sleep(self.poll_seconds)


async def wait_for_wake(wake: asyncio.Event, seconds: float) -> None:
    """Until ``wake`` is set or ``seconds`` pass. Not ``asyncio.wait_for``: on Python 3.11 it loses a
    cancellation that arrives as the event is set (the worker's task then never stops at shutdown)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await wake.wait()


@contextlib.asynccontextmanager
async def background_worker(
    pg: PaymentGraph,
    *,
    poll_seconds: float = 5.0,
    redis_url: str | None = None,
    bus: EventBus | None = None,
) -> AsyncIterator[Worker]:
    """Run the dispatcher and the scheduler of ``pg`` for the block; cancel them on exit.

    ``bus``: where fanned-out events are published (live subscriptions); None publishes nothing.
    """
    worker = Worker(Dispatcher(pg, bus=bus), Scheduler(pg), poll_seconds, redis_url)
    loop = asyncio.get_running_loop()
    publisher: Any = None
    pending_publishes: set[asyncio.Task[Any]] = set()
    if redis_url:
        import redis.asyncio as redis

        publisher = redis.from_url(redis_url)

    def committed() -> None:
        loop.call_soon_threadsafe(worker.wake_up)
        if publisher is not None:
            # Other processes' dispatchers (SQLite has no NOTIFY; on PostgreSQL it is a second path).
            def publish() -> None:
                task = loop.create_task(publisher.publish(REDIS_CHANNEL, "1"))
                pending_publishes.add(task)
                task.add_done_callback(_forget(pending_publishes))

            loop.call_soon_threadsafe(publish)

    on_commit_with_events(committed)
    worker.tasks.append(asyncio.create_task(worker.run_dispatcher(), name="paymentgraph-dispatcher"))
    worker.tasks.append(asyncio.create_task(worker.run_scheduler(), name="paymentgraph-scheduler"))
    for background in list(pg.handlers.loops.values()):
        worker.tasks.append(asyncio.create_task(worker.run_loop(background), name=background.name))
    if bus is not None:
        worker.tasks.append(asyncio.create_task(worker.run_fan_out(), name="paymentgraph-fan-out"))
    fans_out = bool(pg.handlers.subscribers) or bus is not None
    if not is_sqlite(pg.engine) and fans_out:
        worker.tasks.append(asyncio.create_task(worker.listen_postgres(), name="paymentgraph-listen"))
    if redis_url and fans_out:
        worker.tasks.append(asyncio.create_task(worker.listen_redis(redis_url), name="paymentgraph-redis"))
    try:
        yield worker
    finally:
        remove_commit_listener(committed)
        for task in worker.tasks:
            task.cancel()
        for task in worker.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if publisher is not None:
            await asyncio.gather(*pending_publishes, return_exceptions=True)
            await publisher.aclose()


def _forget(tasks: set[asyncio.Task[Any]]) -> Any:
    def done(task: asyncio.Task[Any]) -> None:
        tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.warning("publishing to Redis failed: %s", task.exception())

    return done
