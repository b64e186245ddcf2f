"""The scheduler: runs each job once per scheduled time across every worker and process.

For each job, the latest time its cron expression names (UTC) at or before now is claimed by inserting
``job_run(job, scheduled_at)``; the unique pair means one insert wins whatever the number of workers,
and only the winner runs the job. Runs stay as rows (``running``, ``succeeded``, ``failed`` with the
error) for admins to read. A time that passed while no worker was running is skipped, as cron does:
a scheduler only claims times at or after it started.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from croniter import croniter
from sqlalchemy import Table, select, update

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.db.statements import execute_dml, insert_for
from paymentgraph.db.types import utcnow
from paymentgraph.events.models import JobRun
from paymentgraph.events.registry import Handlers, Job

if TYPE_CHECKING:
    from paymentgraph.connection import PaymentGraph

logger = logging.getLogger(__name__)

_runs = cast(Table, JobRun.__table__)
_MAX_ERROR = 2000


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class JobRunRecord:
    id: str
    job: str
    scheduled_at: datetime
    status: str
    worker: str
    started_at: datetime
    finished_at: datetime | None
    error: str | None


def latest_time(cron: str, now: datetime) -> datetime:
    """The latest time ``cron`` names at or before ``now`` (UTC, whole seconds)."""
    # get_prev is strictly before its start: start a second later so that ``now`` itself counts.
    start = now.replace(microsecond=0) + timedelta(seconds=1)
    return croniter(cron, start).get_prev(datetime)


def next_time(cron: str, now: datetime) -> datetime:
    return croniter(cron, now).get_next(datetime)


class Scheduler:
    """Claims and runs the due jobs of ``handlers`` (default ``pg.handlers``) for this worker."""

    def __init__(
        self, pg: PaymentGraph, handlers: Handlers | None = None, *, since: datetime | None = None
    ) -> None:
        self.pg = pg
        self.handlers = handlers or pg.handlers
        self.since = since or utcnow().replace(microsecond=0)
        self.worker = worker_name()
        self._claimed: dict[str, datetime] = {}

    async def run_due(self, now: datetime | None = None) -> list[str]:
        """Run every job whose latest time (since this scheduler started) no worker has claimed yet.

        Returns the names of the jobs this worker ran.
        """
        now = now or utcnow()
        ran = []
        for job in list(self.handlers.jobs.values()):
            scheduled = latest_time(job.cron, now)
            if scheduled < self.since or self._claimed.get(job.name) == scheduled:
                continue
            self._claimed[job.name] = scheduled
            if await self._claim(job, scheduled):
                await self._run(job, scheduled)
                ran.append(job.name)
        return ran

    def seconds_until_next(self, now: datetime | None = None) -> float | None:
        """Seconds until the next time any job is due (None without jobs)."""
        now = now or utcnow()
        times = [next_time(j.cron, now) for j in self.handlers.jobs.values()]
        return max(0.0, (min(times) - now).total_seconds()) if times else None

    async def _claim(self, job: Job, scheduled: datetime) -> bool:
        async with write_transaction(self.pg.sessionmaker) as session:
            statement = insert_for(session, _runs).values(
                id=new_id("jobrun"),
                job=job.name,
                scheduled_at=scheduled,
                status="running",
                worker=self.worker,
                started_at=utcnow(),
            )
            result = await execute_dml(
                session, statement.on_conflict_do_nothing(index_elements=["job", "scheduled_at"])
            )
            return result.rowcount == 1

    async def _run(self, job: Job, scheduled: datetime) -> None:
        values: dict[str, Any] = {"status": "succeeded"}
        try:
            await job.handler(self.pg)
        except Exception as exc:
            logger.exception("job %s for %s failed", job.name, scheduled.isoformat())
            values = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"[:_MAX_ERROR]}
        async with write_transaction(self.pg.sessionmaker) as session:
            await session.execute(
                update(_runs)
                .where(_runs.c.job == job.name, _runs.c.scheduled_at == scheduled)
                .values(finished_at=utcnow(), **values)
            )


async def list_job_runs(pg: PaymentGraph, *, job: str | None = None, take: int = 50) -> list[JobRunRecord]:
    """Job runs, newest scheduled time first."""
    statement = select(_runs).order_by(_runs.c.scheduled_at.desc(), _runs.c.job).limit(take)
    if job is not None:
        statement = statement.where(_runs.c.job == job)
    async with read_session(pg.sessionmaker) as session:
        rows = (await session.execute(statement)).mappings().all()
    return [JobRunRecord(**{k: row[k] for k in JobRunRecord.__dataclass_fields__}) for row in rows]
