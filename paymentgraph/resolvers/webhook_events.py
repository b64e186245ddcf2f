"""The admin query ``webhookEvents(status, skip, take)``: a page ``{items count skip take}`` of the stored
provider webhook events and how applying them went.

Failed events stay listed (``status: "failed"``, with their last error and attempts) until a redelivery
or ``retry_failed_webhook_events()`` applies them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField

from paymentgraph.errors import InvalidData
from paymentgraph.schema.selection import DEFAULT_TAKE


@strawberry.type(description="A provider webhook event, stored once by its id, and how applying it went.")
class WebhookEvent:
    id: strawberry.ID
    provider_id: str
    event_id: str
    event_type: str | None
    action: str = strawberry.field(description="What the provider's event means: authorized, captured, ...")
    payment_session_id: str | None
    amount: Decimal | None
    status: str = strawberry.field(description="received, processing, processed or failed")
    attempts: int
    last_error: str | None
    processed_at: datetime | None
    created_at: datetime
    updated_at: datetime


@strawberry.type(description="A page of WebhookEvent rows.")
class WebhookEventList:
    items: list[WebhookEvent]
    count: int = strawberry.field(description="How many rows match the filter, ignoring skip and take.")
    skip: int
    take: int


async def resolve_webhook_events(
    _root: Any, info: Any, status: str | None = None, skip: int = 0, take: int = DEFAULT_TAKE
) -> WebhookEventList:
    """A page of the stored events (DTOs), oldest first; INVALID_DATA for an unknown status."""
    for name, value in (("skip", skip), ("take", take)):
        if value < 0:
            raise InvalidData(f"{name} must be a non-negative integer, got {value}", field=name)
    items, count = await info.context.pg.payment.list_and_count_webhook_events(
        status=status, skip=skip, take=take
    )
    return WebhookEventList(items=items, count=count, skip=skip, take=take)


def webhook_events_field() -> StrawberryField:
    """``webhookEvents(status, skip, take): WebhookEventList!`` (admin: not a store field)."""
    field = StrawberryField(
        python_name="webhook_events",
        graphql_name="webhookEvents",
        type_annotation=StrawberryAnnotation(WebhookEventList),
        description="Stored payment webhook events; status 'failed' lists those still to be applied.",
    )
    field.arguments = [
        StrawberryArgument("status", "status", StrawberryAnnotation(str | None), default=None),
        StrawberryArgument("skip", "skip", StrawberryAnnotation(int), default=0),
        StrawberryArgument("take", "take", StrawberryAnnotation(int), default=DEFAULT_TAKE),
    ]
    return field
