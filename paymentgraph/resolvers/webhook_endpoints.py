"""Merchant webhooks over GraphQL (admin): ``webhookEndpoints`` with their deliveries, and
``createWebhookEndpoint``, ``updateWebhookEndpoint``, ``deleteWebhookEndpoint``, ``redeliverEvent``.

The object types refer to the generated ``Event`` type, so they are made when the Query type is (from
its namespace). This module has no ``from __future__ import annotations``: strawberry reads the class
annotations below as the objects they name. Who may use all this is declared here too: the roots and
mutations are the admin's (``RootReach(ADMIN_ONLY)``, the mutations' default) and so are the types
(:data:`TYPE_REACH`).
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry
from aiodataloader import DataLoader
from strawberry.annotation import StrawberryAnnotation
from strawberry.types.field import StrawberryField
from strawberry.types.unset import UNSET

from paymentgraph.db.reach import ADMIN_ONLY
from paymentgraph.events.webhooks import deliveries as webhook_deliveries
from paymentgraph.events.webhooks import endpoints
from paymentgraph.events.webhooks.models import DELIVERY_STATUSES
from paymentgraph.resolvers.base import MutationDef, mutation, values
from paymentgraph.schema.reach import RootReach
from paymentgraph.schema.selection import DEFAULT_TAKE, check_take
from paymentgraph.schema.types import DeleteResult, Namespace, enum_type

MUTATIONS: list[MutationDef] = []
TYPE_REACH = {
    name: ADMIN_ONLY
    for name in ("WebhookEndpoint", "WebhookDelivery", "WebhookDeliveryAttempt", "CreatedWebhookEndpoint")
}


@strawberry.input(description="A new endpoint: where to POST, and which events ('*' for all).")
class CreateWebhookEndpointInput:
    url: str = strawberry.field(description="http:// or https://, on a public address")
    events: list[str] = strawberry.field(description="Event names (e.g. payment.captured), or '*'")
    description: str | None = UNSET


@strawberry.input(description="The endpoint's fields to change; those left out stay as they are.")
class UpdateWebhookEndpointInput:
    url: str | None = UNSET
    events: list[str] | None = UNSET
    description: str | None = UNSET
    is_enabled: bool | None = UNSET


def _loader(info: Any, key: str, load: Any) -> DataLoader:
    """One loader per request and ``key`` (batches the keys of one level into one statement)."""
    cache = info.context.cache
    if key not in cache:
        cache[key] = DataLoader(load)
    return cache[key]


def _take(take: Any, where: str) -> int:
    checked = check_take(None if take is UNSET else take, where)
    return DEFAULT_TAKE if checked is None else checked


def webhook_types(ns: Namespace) -> dict[str, Any]:
    """The webhook object types in ``ns`` (made on the first call)."""
    if "WebhookEndpoint" in ns:
        return {name: ns[name] for name in ("WebhookEndpoint", "WebhookDelivery", "CreatedWebhookEndpoint")}
    event_type: Any = ns["Event"]
    status_type: Any = enum_type(ns, "WebhookDeliveryStatus", DELIVERY_STATUSES)

    @strawberry.type(description="One POST of a delivery and what came of it.")
    class WebhookDeliveryAttempt:
        attempted_at: datetime
        response_status: int | None = strawberry.field(description="The HTTP status; null: no answer")
        error: str | None = strawberry.field(description="Why it failed; null when the answer was 2xx")
        duration_ms: int
        next_attempt_at: datetime | None = strawberry.field(description="When it was to be tried again")

    @strawberry.type(description="One event for one endpoint, and how delivering it went.")
    class WebhookDelivery:
        id: strawberry.ID
        event: event_type
        status: status_type
        attempts: int = strawberry.field(description="Attempts since it was (re)delivered")
        response_status: int | None = strawberry.field(description="The last attempt's HTTP status")
        last_error: str | None
        next_attempt_at: datetime | None = strawberry.field(description="Null once succeeded or failed")
        created_at: datetime

        @strawberry.field(description="Every attempt, newest first (take: at most 1000; default 20).")
        async def attempt_history(
            self, info: strawberry.Info, take: int | None = UNSET
        ) -> list[WebhookDeliveryAttempt]:
            limit = _take(take, "WebhookDelivery.attemptHistory")

            async def load(ids: Sequence[str]) -> list[Any]:
                found = await webhook_deliveries.attempts_of(info.context.pg, ids, limit)
                return [found.get(id, []) for id in ids]

            return await _loader(info, f"webhook_attempts:{limit}", load).load(self.id)

    @strawberry.type(description="A merchant's receiver of signed event notifications.")
    class WebhookEndpoint:
        id: strawberry.ID
        url: str
        events: list[str] = strawberry.field(description="Event names it receives, or '*' for all")
        description: str | None
        is_enabled: bool
        created_at: datetime

        @strawberry.field(description="Its deliveries, newest first (take: at most 1000; default 20).")
        async def deliveries(self, info: strawberry.Info, take: int | None = UNSET) -> list[WebhookDelivery]:
            limit = _take(take, "WebhookEndpoint.deliveries")

            async def load(ids: Sequence[str]) -> list[Any]:
                found = await webhook_deliveries.deliveries_of(info.context.pg, ids, limit)
                return [found.get(id, []) for id in ids]

            return await _loader(info, f"webhook_deliveries:{limit}", load).load(self.id)

    @strawberry.type(description="A new endpoint and its signing secret: store it now, it is shown once.")
    class CreatedWebhookEndpoint:
        webhook_endpoint: WebhookEndpoint
        secret: str

    made = {
        "WebhookDeliveryAttempt": WebhookDeliveryAttempt,
        "WebhookDelivery": WebhookDelivery,
        "WebhookEndpoint": WebhookEndpoint,
        "CreatedWebhookEndpoint": CreatedWebhookEndpoint,
    }
    for name, cls in made.items():
        ns.add(name, cls)
    return made


async def resolve_webhook_endpoints(_root: Any, info: Any) -> list[Any]:
    return list(await endpoints.list_endpoints(info.context.pg))


def query_fields(ns: Namespace) -> list[tuple[StrawberryField, Any, RootReach]]:
    """``webhookEndpoints`` (admin)."""
    endpoint_type = webhook_types(ns)["WebhookEndpoint"]
    field = StrawberryField(
        python_name="webhook_endpoints",
        graphql_name="webhookEndpoints",
        type_annotation=StrawberryAnnotation(list[endpoint_type]),  # type: ignore[valid-type]
        description="Every merchant webhook endpoint, oldest first (secrets are never shown again).",
    )
    return [(field, resolve_webhook_endpoints, RootReach(ADMIN_ONLY))]


def _type(name: str) -> Any:
    return lambda types: webhook_types(types.ns)[name]


@mutation(MUTATIONS, "createWebhookEndpoint", _type("CreatedWebhookEndpoint"))
async def create_webhook_endpoint(info: strawberry.Info, input: CreateWebhookEndpointInput) -> Any:
    """Register an endpoint; its signing secret is in this response only. INVALID_DATA for a URL that is
    not http(s) or not on a public address, or for unknown event names."""
    description = None if input.description is UNSET else input.description
    return await endpoints.create_endpoint(info.context.pg, input.url, input.events, description)


@mutation(MUTATIONS, "updateWebhookEndpoint", _type("WebhookEndpoint"))
async def update_webhook_endpoint(
    info: strawberry.Info, id: strawberry.ID, input: UpdateWebhookEndpointInput
) -> Any:
    """Change an endpoint's URL, events, description or whether it is enabled."""
    return await endpoints.update_endpoint(info.context.pg, id, values(input))


@mutation(MUTATIONS, "deleteWebhookEndpoint", lambda types: types.delete_result)
async def delete_webhook_endpoint(info: strawberry.Info, id: strawberry.ID) -> Any:
    """Delete an endpoint and its deliveries (nothing more is sent to it)."""
    await endpoints.delete_endpoint(info.context.pg, id)
    return DeleteResult(id=id, deleted=True)


@mutation(MUTATIONS, "redeliverEvent", _type("WebhookDelivery"))
async def redeliver_event(info: strawberry.Info, endpoint_id: strawberry.ID, event_id: strawberry.ID) -> Any:
    """Send an event to an endpoint again now, with a fresh retry window (NOT_FOUND for unknown ids)."""
    return await webhook_deliveries.redeliver_event(info.context.pg, endpoint_id, event_id)
