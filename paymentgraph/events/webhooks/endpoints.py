"""Webhook endpoints: the admin's create, update, delete and list; the secret is shown once, at creation."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, delete, select, update

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.db.statements import execute_dml
from paymentgraph.db.types import utcnow
from paymentgraph.errors import InvalidData, not_found
from paymentgraph.events.outbox import EVENT_NAMES
from paymentgraph.events.registry import ALL_EVENTS
from paymentgraph.events.webhooks.addresses import check_url
from paymentgraph.events.webhooks.models import WebhookEndpoint

if TYPE_CHECKING:
    from paymentgraph.connection import PaymentGraph

_endpoints = cast(Table, WebhookEndpoint.__table__)
SECRET_PREFIX = "whsec_"
_COLUMNS = ("id", "url", "events", "description", "is_enabled", "created_at", "updated_at")


@dataclass(frozen=True)
class WebhookEndpointDTO:
    """An endpoint as admins see it (never its secret)."""

    id: str
    url: str
    events: list[str]
    description: str | None
    is_enabled: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class CreatedWebhookEndpoint:
    webhook_endpoint: WebhookEndpointDTO
    secret: str


def valid_event_names(names: Iterable[str]) -> list[str]:
    """``names`` without repeats; INVALID_DATA naming the valid ones when one is unknown or none is given."""
    given = list(dict.fromkeys(n.strip() for n in names))
    valid = (ALL_EVENTS, *EVENT_NAMES)
    unknown = [n for n in given if n not in valid]
    if unknown or not given:
        problem = f"unknown event names: {', '.join(unknown)}" if unknown else "list at least one event"
        raise InvalidData(
            f"events: {problem}. Valid names: {', '.join(valid)} ('*' is every event)",
            field="events",
        )
    return given


def _dto(row: Any) -> WebhookEndpointDTO:
    return WebhookEndpointDTO(**{k: row[k] for k in _COLUMNS})


async def create_endpoint(
    pg: PaymentGraph, url: str, events: Iterable[str], description: str | None = None
) -> CreatedWebhookEndpoint:
    """A new enabled endpoint and its signing secret (returned here only)."""
    checked = await check_url(url, allow_private=pg.settings.webhook_allow_private_urls)
    names = valid_event_names(events)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = {
        "id": new_id("whep"),
        "url": checked,
        "events": names,
        "description": description,
        "is_enabled": True,
        "secret": secret,
        "created_at": now,
        "updated_at": now,
    }
    async with write_transaction(pg.sessionmaker) as session:
        await session.execute(_endpoints.insert().values(row))
    return CreatedWebhookEndpoint(_dto(row), secret)


async def update_endpoint(pg: PaymentGraph, id: str, changes: Mapping[str, Any]) -> WebhookEndpointDTO:
    """Change ``url``, ``events``, ``description`` or ``is_enabled`` (the keys given); NOT_FOUND if gone."""
    values: dict[str, Any] = {}
    if changes.get("url") is not None:
        values["url"] = await check_url(changes["url"], allow_private=pg.settings.webhook_allow_private_urls)
    if changes.get("events") is not None:
        values["events"] = valid_event_names(changes["events"])
    if "description" in changes:
        values["description"] = changes["description"]
    if changes.get("is_enabled") is not None:
        values["is_enabled"] = bool(changes["is_enabled"])
    async with write_transaction(pg.sessionmaker) as session:
        if values:
            values["updated_at"] = utcnow()
            await session.execute(update(_endpoints).where(_endpoints.c.id == id).values(**values))
        row = (await session.execute(_select().where(_endpoints.c.id == id))).mappings().first()
    if row is None:
        raise not_found("WebhookEndpoint", id)
    return _dto(row)


async def delete_endpoint(pg: PaymentGraph, id: str) -> None:
    """Delete the endpoint and its deliveries; NOT_FOUND if there is none."""
    async with write_transaction(pg.sessionmaker) as session:
        result = await execute_dml(session, delete(_endpoints).where(_endpoints.c.id == id))
    if result.rowcount == 0:
        raise not_found("WebhookEndpoint", id)


async def list_endpoints(pg: PaymentGraph) -> list[WebhookEndpointDTO]:
    """Every endpoint, oldest first."""
    async with read_session(pg.sessionmaker) as session:
        statement = _select().order_by(_endpoints.c.created_at, _endpoints.c.id)
        return [_dto(row) for row in (await session.execute(statement)).mappings()]


async def retrieve_endpoint(pg: PaymentGraph, id: str) -> WebhookEndpointDTO:
    async with read_session(pg.sessionmaker) as session:
        row = (await session.execute(_select().where(_endpoints.c.id == id))).mappings().first()
    if row is None:
        raise not_found("WebhookEndpoint", id)
    return _dto(row)


def _select() -> Any:
    return select(*(_endpoints.c[name] for name in _COLUMNS))
