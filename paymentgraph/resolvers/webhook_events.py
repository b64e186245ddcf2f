"""The admin query ``webhookEvents(status: String)``: stored provider webhook events and how applying went.

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


async def resolve_webhook_events(_root: Any, info: Any, status: str | None = None) -> list[Any]:
    """The stored events (DTOs), oldest first; INVALID_DATA for an unknown status."""
    return list(await info.context.pg.payment.list_webhook_events(status=status))


def webhook_events_field() -> StrawberryField:
    """``webhookEvents(status: String): [WebhookEvent!]!`` (admin: not a store field)."""
    field = StrawberryField(
        python_name="webhook_events",
        graphql_name="webhookEvents",
        type_annotation=StrawberryAnnotation(list[WebhookEvent]),
        description="Stored payment webhook events; status 'failed' lists those still to be applied.",
    )
    field.arguments = [
        StrawberryArgument("status", "status", StrawberryAnnotation(str | None), default=None),
    ]
    return field
