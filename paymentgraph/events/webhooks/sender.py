"""The sender: POSTs due deliveries to their endpoints and records every attempt.

One loop per worker (a :class:`~paymentgraph.events.registry.Loop`), woken when deliveries are made in
this process, when one of its sends finishes, or when the next retry falls due (polling at
``PAYMENTGRAPH_EVENTS_POLL_SECONDS`` covers deliveries made by other processes).

- **Bounded.** At most :data:`MAX_CONCURRENT_SENDS` requests at once through one ``httpx.AsyncClient``
  with as many connections, and at most :data:`PER_ENDPOINT` for one endpoint, so a slow receiver holds
  a few slots and every other endpoint keeps its deliveries moving. Each request has
  :data:`TIMEOUT_SECONDS` in all (connecting included); redirects are not followed (a redirect to a
  private address would get around the address check).
- **Claimed, not locked.** A due delivery is claimed by writing a claim token and pushing its next
  attempt :data:`LEASE` ahead, in a conditional UPDATE that only one worker can win; no transaction is
  open during the HTTP call. If the process dies mid-send the lease runs out and any worker sends it
  again (at least once: receivers dedupe by event id). The outcome is written only under the same
  claim, so a redelivery by hand meanwhile is not overwritten.
- **Retried.** A 2xx answer is success. Anything else (another status, a timeout, a refused or private
  address) is retried after :func:`retry_delay` until an attempt fails after the delivery's
  ``retry_until`` (``PAYMENTGRAPH_WEBHOOK_RETRY_WINDOW_SECONDS``, a day), which makes it ``failed``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import httpcore
import httpx
from sqlalchemy import Table, func, select, update

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import json_dumps, read_session, write_transaction
from paymentgraph.db.statements import execute_dml
from paymentgraph.db.types import utcnow
from paymentgraph.events.outbox import OutboxEvent
from paymentgraph.events.registry import Loop
from paymentgraph.events.webhooks.addresses import CheckedNetworkBackend, PrivateAddressRefused
from paymentgraph.events.webhooks.deliveries import on_new_deliveries, wake_callback
from paymentgraph.events.webhooks.models import WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint
from paymentgraph.events.webhooks.signature import EVENT_ID_HEADER, SIGNATURE_HEADER, signature_header
from paymentgraph.events.worker import wait_for_wake

if TYPE_CHECKING:
    from paymentgraph.connection import PaymentGraph

logger = logging.getLogger(__name__)

LOOP_NAME = "paymentgraph.merchant_webhook_sender"
MAX_CONCURRENT_SENDS = 32
PER_ENDPOINT = 4
TIMEOUT_SECONDS = 10.0
# Longer than a request may take, so a live send is never claimed twice.
LEASE = timedelta(seconds=60)
# The delay stops growing at this multiple of the base: 6 hours at the default 30 s.
MAX_DELAY_FACTOR = 720
_MAX_ERROR = 2000
_BODY_IN_ERROR = 300

_deliveries = cast(Table, WebhookDelivery.__table__)
_attempts = cast(Table, WebhookDeliveryAttempt.__table__)
_endpoints = cast(Table, WebhookEndpoint.__table__)
_events = cast(Table, OutboxEvent.__table__)


def retry_delay(attempts: int, base_seconds: float) -> float:
    """Seconds before the next attempt after ``attempts`` failures: ``base * 4**(attempts-1)`` capped at
    ``720 * base``, plus up to a quarter more at random (so receivers that come back are not hit by
    every sender at once). At the default base of 30 s: 30 s, 2 min, 8 min, 32 min, 2 h 8 min, 6 h, ...
    so a day holds about 10 attempts."""
    delay = base_seconds * min(4 ** max(attempts - 1, 0), MAX_DELAY_FACTOR)
    return delay * random.uniform(1.0, 1.25)


@dataclass(frozen=True)
class Claimed:
    delivery_id: str
    claim: str
    endpoint_id: str
    url: str
    secret: str
    attempts: int
    retry_until: datetime
    event_id: str
    event_name: str
    event_data: dict[str, Any]
    event_created_at: datetime


def webhook_body(event_id: str, name: str, created_at: datetime, data: dict[str, Any]) -> bytes:
    """The request body: ``{"id", "type", "created" (unix seconds), "data"}`` as compact JSON."""
    payload = {"id": event_id, "type": name, "created": int(created_at.timestamp()), "data": data}
    return json_dumps(payload).encode()


def webhook_client(*, allow_private: bool) -> httpx.AsyncClient:
    """The sender's HTTP client: bounded connections, no redirects, no proxy from the environment,
    and connections only to checked public addresses unless private ones are allowed."""
    limits = httpx.Limits(
        max_connections=MAX_CONCURRENT_SENDS, max_keepalive_connections=MAX_CONCURRENT_SENDS
    )
    transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
    if not allow_private:
        # httpx has no public way to give its pool a network backend; the pool it built is replaced by
        # the same pool with the checking backend (httpx's request mapping and errors stay as they are).
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=CheckedNetworkBackend(),
        )
    return httpx.AsyncClient(
        transport=transport, timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False
    )


class WebhookSender:
    """Sends the due deliveries of ``pg``; :meth:`run` until cancelled."""

    def __init__(self, pg: PaymentGraph) -> None:
        self.pg = pg
        self.wake = asyncio.Event()
        self.in_flight: dict[str, int] = {}  # endpoint id -> sends in progress
        self.tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        stop = on_new_deliveries(wake_callback(self.wake))
        settings = self.pg.settings
        try:
            async with webhook_client(allow_private=settings.webhook_allow_private_urls) as client:
                while True:
                    self.wake.clear()
                    pause = await self.send_due(client)
                    await wait_for_wake(self.wake, pause)
        finally:
            stop()
            for task in self.tasks:
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)

    async def send_due(self, client: httpx.AsyncClient) -> float:
        """Start sending what is due (as many as the limits allow); seconds to wait before looking again."""
        poll = self.pg.settings.events_poll_seconds
        free = MAX_CONCURRENT_SENDS - len(self.tasks)
        if free <= 0:
            return poll  # a finishing send wakes the loop
        claimed = await self._claim(free)
        for item in claimed:
            self.in_flight[item.endpoint_id] = self.in_flight.get(item.endpoint_id, 0) + 1
            task = asyncio.create_task(self._send(client, item), name=f"webhook {item.delivery_id}")
            self.tasks.add(task)
            task.add_done_callback(self._finished(item.endpoint_id))
        next_due = await self._next_due()
        if next_due is None:
            return poll
        pause = (next_due - utcnow()).total_seconds()
        if pause <= 0 and not claimed:
            # Due but not claimable now: its endpoint is at its limit (a finishing send wakes the loop)
            # or another worker won it.
            return poll
        return min(poll, max(pause, 0.0))

    def _finished(self, endpoint_id: str) -> Any:
        def done(task: asyncio.Task[None]) -> None:
            self.tasks.discard(task)
            left = self.in_flight.get(endpoint_id, 1) - 1
            if left > 0:
                self.in_flight[endpoint_id] = left
            else:
                self.in_flight.pop(endpoint_id, None)
            if not task.cancelled() and task.exception() is not None:
                logger.error("sending webhook failed unexpectedly", exc_info=task.exception())
            self.wake.set()

        return done

    def _busy(self) -> list[str]:
        return [endpoint for endpoint, n in self.in_flight.items() if n >= PER_ENDPOINT]

    async def _claim(self, free: int) -> list[Claimed]:
        d, e = _deliveries, _endpoints
        now = utcnow()
        rank = func.row_number().over(partition_by=d.c.endpoint_id, order_by=(d.c.next_attempt_at, d.c.id))
        due = (
            select(d.c.id, d.c.endpoint_id, d.c.next_attempt_at, rank.label("rank"))
            .join(e, e.c.id == d.c.endpoint_id)
            .where(d.c.status == "pending", d.c.next_attempt_at <= now, e.c.is_enabled.is_(True))
        )
        busy = self._busy()
        if busy:
            due = due.where(d.c.endpoint_id.not_in(busy))
        ranked = due.subquery()
        async with read_session(self.pg.sessionmaker) as session:
            candidates = (
                await session.execute(
                    select(ranked.c.id, ranked.c.endpoint_id)
                    .where(ranked.c.rank <= PER_ENDPOINT)
                    .order_by(ranked.c.next_attempt_at, ranked.c.id)
                    .limit(free)
                )
            ).all()
        chosen: list[str] = []
        taken: dict[str, int] = {}
        for row in candidates:
            n = self.in_flight.get(row.endpoint_id, 0) + taken.get(row.endpoint_id, 0)
            if n < PER_ENDPOINT:
                taken[row.endpoint_id] = taken.get(row.endpoint_id, 0) + 1
                chosen.append(row.id)
        if not chosen:
            return []
        claim = new_id("claim")
        async with write_transaction(self.pg.sessionmaker) as session:
            # The WHERE is checked again against the row as it is now: one worker wins each delivery.
            await session.execute(
                update(d)
                .where(d.c.id.in_(chosen), d.c.status == "pending", d.c.next_attempt_at <= now)
                .values(claim=claim, next_attempt_at=now + LEASE, updated_at=now)
            )
            rows = (
                await session.execute(
                    select(
                        d.c.id,
                        d.c.endpoint_id,
                        d.c.attempts,
                        d.c.retry_until,
                        e.c.url,
                        e.c.secret,
                        _events.c.id.label("event_id"),
                        _events.c.name,
                        _events.c.data,
                        _events.c.created_at,
                    )
                    .join(e, e.c.id == d.c.endpoint_id)
                    .join(_events, _events.c.id == d.c.event_id)
                    .where(d.c.claim == claim)
                )
            ).all()
        return [
            Claimed(
                delivery_id=row.id,
                claim=claim,
                endpoint_id=row.endpoint_id,
                url=row.url,
                secret=row.secret,
                attempts=row.attempts,
                retry_until=row.retry_until,
                event_id=row.event_id,
                event_name=row.name,
                event_data=dict(row.data),
                event_created_at=row.created_at,
            )
            for row in rows
        ]

    async def _next_due(self) -> datetime | None:
        d, e = _deliveries, _endpoints
        statement = (
            select(func.min(d.c.next_attempt_at))
            .join(e, e.c.id == d.c.endpoint_id)
            .where(d.c.status == "pending", e.c.is_enabled.is_(True))
        )
        busy = self._busy()
        if busy:
            statement = statement.where(d.c.endpoint_id.not_in(busy))
        async with read_session(self.pg.sessionmaker) as session:
            value = await session.scalar(statement)
        return cast("datetime | None", value)

    async def _send(self, client: httpx.AsyncClient, item: Claimed) -> None:
        body = webhook_body(item.event_id, item.event_name, item.event_created_at, item.event_data)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "paymentgraph-webhooks",
            EVENT_ID_HEADER: item.event_id,
            SIGNATURE_HEADER: signature_header(item.secret, body),
        }
        status: int | None = None
        error: str | None = None
        started = time.monotonic()
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                async with client.stream("POST", item.url, content=body, headers=headers) as response:
                    status = response.status_code
                    if not 200 <= status < 300:
                        error = f"HTTP {status}" + await _some_of(response)
        except PrivateAddressRefused as exc:
            error = str(exc)
        except TimeoutError:
            error = f"no answer within {TIMEOUT_SECONDS:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        duration_ms = int((time.monotonic() - started) * 1000)
        await self._record(item, status, error, duration_ms)

    async def _record(self, item: Claimed, status: int | None, error: str | None, duration_ms: int) -> None:
        d = _deliveries
        now = utcnow()
        attempts = item.attempts + 1
        values: dict[str, Any] = {
            "attempts": attempts,
            "response_status": status,
            "last_error": None if error is None else error[:_MAX_ERROR],
            "claim": None,
            "updated_at": now,
        }
        if error is None:
            values.update(status="succeeded", next_attempt_at=None, delivered_at=now)
        elif now >= item.retry_until:
            values.update(status="failed", next_attempt_at=None)
            logger.error(
                "webhook %s of event %s to %s failed for good after %d attempts: %s",
                item.delivery_id, item.event_id, item.url, attempts, error,
            )  # fmt: skip
        else:
            delay = retry_delay(attempts, self.pg.settings.webhook_retry_base_seconds)
            values.update(status="pending", next_attempt_at=now + timedelta(seconds=delay))
            logger.warning(
                "webhook %s of event %s to %s failed (attempt %d, again in %.0f s): %s",
                item.delivery_id, item.event_id, item.url, attempts, delay, error,
            )  # fmt: skip
        async with write_transaction(self.pg.sessionmaker) as session:
            result = await execute_dml(
                session, update(d).where(d.c.id == item.delivery_id, d.c.claim == item.claim).values(**values)
            )
            await session.execute(
                _attempts.insert().values(
                    id=new_id("what"),
                    delivery_id=item.delivery_id,
                    attempted_at=now,
                    response_status=status,
                    error=values["last_error"],
                    duration_ms=duration_ms,
                    # A redelivery by hand took the delivery over: this attempt schedules nothing.
                    next_attempt_at=values.get("next_attempt_at") if result.rowcount else None,
                )
            )


async def _some_of(response: httpx.Response) -> str:
    """The start of an error answer's body, for the admin reading ``lastError`` (never all of it)."""
    chunk = b""
    async for part in response.aiter_bytes():
        chunk += part
        if len(chunk) >= _BODY_IN_ERROR:
            break
    text = chunk[:_BODY_IN_ERROR].decode("utf-8", "replace").strip()
    return f": {text}" if text else ""


def sender_loop() -> Loop:
    """The built-in loop that sends merchant webhooks (started by the background worker)."""

    async def run(pg: PaymentGraph) -> None:
        await WebhookSender(pg).run()

    return Loop(LOOP_NAME, run)
