"""Admin fields for subscribers and jobs: ``subscriberDeliveries``, ``jobRuns``, ``retrySubscriberDelivery``.

A subscriber's delivery that failed ``max_attempts`` times stays ``failed`` (listed with its last error)
until an admin retries it here or with ``paymentgraph events retry``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField

from paymentgraph.events.deliveries import list_deliveries, retry_deliveries
from paymentgraph.events.scheduler import list_job_runs
from paymentgraph.resolvers.base import MutationDef, mutation, static

MUTATIONS: list[MutationDef] = []
MAX_TAKE = 1000


@strawberry.type(description="One event for one subscriber, and how handling it went.")
class SubscriberDelivery:
    id: strawberry.ID
    event_id: strawberry.ID
    event_name: str
    subscriber: str
    status: str = strawberry.field(description="pending, succeeded or failed (retried only by an admin)")
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    handled_at: datetime | None
    created_at: datetime


@strawberry.type(description="One run of a scheduled job for one scheduled time.")
class JobRun:
    id: strawberry.ID
    job: str
    scheduled_at: datetime
    status: str = strawberry.field(description="running, succeeded or failed")
    worker: str
    started_at: datetime
    finished_at: datetime | None
    error: str | None


def _take(take: int) -> int:
    from paymentgraph.errors import InvalidData

    if not 0 <= take <= MAX_TAKE:
        raise InvalidData(f"take must be between 0 and {MAX_TAKE}", field="take")
    return take


async def resolve_subscriber_deliveries(
    _root: Any, info: Any, status: str | None = None, subscriber: str | None = None, take: int = 50
) -> list[Any]:
    return list(
        await list_deliveries(info.context.pg, status=status, subscriber=subscriber, take=_take(take))
    )


async def resolve_job_runs(_root: Any, info: Any, job: str | None = None, take: int = 50) -> list[Any]:
    return list(await list_job_runs(info.context.pg, job=job, take=_take(take)))


def admin_query_fields() -> dict[str, tuple[StrawberryField, Any]]:
    """``subscriberDeliveries(status, subscriber, take)`` and ``jobRuns(job, take)`` with their resolvers."""
    deliveries = StrawberryField(
        python_name="subscriber_deliveries",
        graphql_name="subscriberDeliveries",
        type_annotation=StrawberryAnnotation(list[SubscriberDelivery]),
        description="Subscribers' deliveries, newest event first; 'failed' ones wait for an admin.",
    )
    deliveries.arguments = [
        StrawberryArgument("status", "status", StrawberryAnnotation(str | None), default=None),
        StrawberryArgument("subscriber", "subscriber", StrawberryAnnotation(str | None), default=None),
        StrawberryArgument("take", "take", StrawberryAnnotation(int), default=50),
    ]
    runs = StrawberryField(
        python_name="job_runs",
        graphql_name="jobRuns",
        type_annotation=StrawberryAnnotation(list[JobRun]),
        description="Scheduled jobs' runs, newest scheduled time first.",
    )
    runs.arguments = [
        StrawberryArgument("job", "job", StrawberryAnnotation(str | None), default=None),
        StrawberryArgument("take", "take", StrawberryAnnotation(int), default=50),
    ]
    return {
        "subscriberDeliveries": (deliveries, resolve_subscriber_deliveries),
        "jobRuns": (runs, resolve_job_runs),
    }


@mutation(MUTATIONS, "retrySubscriberDelivery", static(SubscriberDelivery))
async def retry_subscriber_delivery(info: strawberry.Info, id: strawberry.ID) -> Any:
    """Make a failed delivery pending again with a fresh count of attempts (admin)."""
    pg = info.context.pg
    await retry_deliveries(pg, [id])
    [delivery] = await list_deliveries(pg, id=id)  # retry_deliveries refused an unknown id
    return delivery
