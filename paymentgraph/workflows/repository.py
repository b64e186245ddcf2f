"""SQL of the workflow engine: runs, recorded steps and named locks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.ids import new_id
from paymentgraph.db.locking import for_update
from paymentgraph.db.statements import execute_dml, insert_for
from paymentgraph.db.types import utcnow
from paymentgraph.workflows.models import WorkflowLock, WorkflowRun, WorkflowStep


async def get_or_create_run(session: AsyncSession, workflow: str, key: str, fingerprint: str) -> WorkflowRun:
    """The run for (workflow, key), created ``running`` when absent; locked for this transaction."""
    stmt = (
        insert_for(session, WorkflowRun)
        .values(
            id=new_id("wfrun"),
            workflow=workflow,
            idempotency_key=key,
            input_fingerprint=fingerprint,
            status="running",
            attempts=1,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["workflow", "idempotency_key"])
    )
    await session.execute(stmt)
    query = select(WorkflowRun).where(WorkflowRun.workflow == workflow, WorkflowRun.idempotency_key == key)
    return (await session.execute(for_update(session, query))).scalar_one()


async def restart_run(session: AsyncSession, run: WorkflowRun) -> None:
    """Start a new attempt of a failed (already compensated) run: forget its steps."""
    await session.execute(delete(WorkflowStep).where(WorkflowStep.run_id == run.id))
    run.status = "running"
    run.attempts += 1
    run.error = None
    await session.flush()


async def steps_of(session: AsyncSession, run_id: str) -> list[WorkflowStep]:
    """The live (not compensated) recorded steps of a run, in order."""
    query = (
        select(WorkflowStep)
        .where(WorkflowStep.run_id == run_id, WorkflowStep.compensated_at.is_(None))
        .order_by(WorkflowStep.position)
    )
    return list((await session.execute(query)).scalars())


async def record_step(
    session: AsyncSession, run_id: str, name: str, position: int, output: dict[str, Any]
) -> None:
    session.add(WorkflowStep(id=new_id("wfstep"), run_id=run_id, name=name, position=position, output=output))
    await session.flush()


async def mark_compensated(session: AsyncSession, run_id: str, name: str) -> None:
    await session.execute(
        update(WorkflowStep)
        .where(WorkflowStep.run_id == run_id, WorkflowStep.name == name)
        .values(compensated_at=utcnow())
    )


async def finish_run(
    session: AsyncSession,
    run_id: str,
    status: str,
    *,
    result: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> None:
    await session.execute(
        update(WorkflowRun)
        .where(WorkflowRun.id == run_id)
        .values(status=status, result=result, error=error, updated_at=utcnow())
    )


async def try_lock(session: AsyncSession, key: str, owner: str, now: datetime, expires_at: datetime) -> bool:
    """Take the lock ``key`` when free or expired; True when ``owner`` now holds it."""
    inserted = await execute_dml(
        session,
        insert_for(session, WorkflowLock)
        .values(key=key, owner=owner, expires_at=expires_at)
        .on_conflict_do_nothing(index_elements=["key"]),
    )
    if inserted.rowcount == 1:
        return True
    taken = await execute_dml(
        session,
        update(WorkflowLock)
        .where(WorkflowLock.key == key, WorkflowLock.expires_at < now)
        .values(owner=owner, expires_at=expires_at),
    )
    return bool(taken.rowcount == 1)


async def renew_lock(session: AsyncSession, key: str, owner: str, expires_at: datetime) -> bool:
    """Extend ``owner``'s hold on ``key``; False when the lock is gone or another owner took it."""
    renewed = await execute_dml(
        session,
        update(WorkflowLock)
        .where(WorkflowLock.key == key, WorkflowLock.owner == owner)
        .values(expires_at=expires_at),
    )
    return bool(renewed.rowcount == 1)


async def unlock(session: AsyncSession, key: str, owner: str) -> None:
    await session.execute(delete(WorkflowLock).where(WorkflowLock.key == key, WorkflowLock.owner == owner))


async def prune_runs(session: AsyncSession, finished_before: datetime) -> int:
    """Delete finished runs (and their steps) last touched before ``finished_before``."""
    ids = select(WorkflowRun.id).where(
        WorkflowRun.status.in_(("succeeded", "failed")), WorkflowRun.updated_at < finished_before
    )
    await session.execute(delete(WorkflowStep).where(WorkflowStep.run_id.in_(ids)))
    result = await execute_dml(
        session,
        delete(WorkflowRun).where(
            WorkflowRun.status.in_(("succeeded", "failed")), WorkflowRun.updated_at < finished_before
        ),
    )
    return int(result.rowcount or 0)
