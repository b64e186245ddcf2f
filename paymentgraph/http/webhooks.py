"""``POST /hooks/payment/{provider}``: provider webhooks (``stripe_stripe`` for Stripe).

The signature is checked on the raw body (a bad or stale one: 400, nothing stored), the event is
stored once by its id, and the answer is 200 at once; the event is applied after the response is
sent (a Starlette background task, which the server keeps referenced until it ends). A duplicate
delivery answers 200 and changes nothing. A delivery that could not be stored because the database is
unreachable answers 503 with ``Retry-After`` (``app.py`` wraps :func:`handle` with
:func:`~paymentgraph.http.unavailable.answering_outages` and :func:`unavailable_body`): the provider
delivers it again later, as it does for any answer that is not 2xx.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from paymentgraph.errors import DomainError, ErrorCode, ServiceUnavailable
from paymentgraph.modules.payment.providers.base import WebhookPayload
from paymentgraph.modules.payment.webhooks import provider_id_from_path

logger = logging.getLogger("paymentgraph.http")

MAX_BODY_BYTES = 1024 * 1024


async def handle(request: Request) -> Response:
    """Verify, store and acknowledge one delivery; apply it in the background."""
    pg = request.app.state.pg
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        return JSONResponse({"error": "Webhook body too large"}, status_code=413)
    try:
        provider_id = provider_id_from_path(request.path_params.get("provider"))
        if provider_id not in pg.providers:
            return JSONResponse({"error": f"Unknown payment provider {provider_id}"}, status_code=404)
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        payload = WebhookPayload(
            data=body if isinstance(body, dict) else {},
            raw_data=raw,
            headers={k.lower(): v for k, v in request.headers.items()},
        )
        received = await pg.payment.receive_webhook(provider_id, payload)
    except DomainError as exc:
        status = 404 if exc.code == ErrorCode.NOT_FOUND else 400
        return JSONResponse(
            {"error": f"Webhook Error: {exc.message}", "code": str(exc.code)}, status_code=status
        )
    answer = {
        "received": True,
        "action": received.action.value,
        "duplicate": received.duplicate,
        "event": received.event.id if received.event else None,
    }
    task = None
    if received.should_apply and received.event is not None:
        task = BackgroundTask(_apply, pg, received.event.id)
    return JSONResponse(answer, background=task)


def unavailable_body(error: ServiceUnavailable) -> dict[str, Any]:
    """This route's error shape for a 503 (``error``, ``code``), with ``retryable``."""
    return {"error": error.message, "code": error.code.value, **error.details}


async def _apply(pg: object, event_id: str) -> None:
    try:
        await pg.payment.process_webhook_event(event_id)  # type: ignore[attr-defined]
    except Exception:  # the event stays received/processing and retry_failed_webhook_events picks it up
        logger.exception("applying webhook event %s failed", event_id)
