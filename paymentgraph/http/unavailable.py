"""503 answers: the database cannot be reached, or the worker is at capacity (``SERVICE_UNAVAILABLE``).

Every such answer carries ``Retry-After`` and, in its error, ``extensions.code`` SERVICE_UNAVAILABLE with
``extensions.retryable: true``: the request did nothing that a retry could repeat wrongly (its
transaction rolled back or never began), so a client, a load balancer or a payment provider
redelivering a webhook may simply send it again.

A GraphQL result whose errors include SERVICE_UNAVAILABLE is answered with 503 by ``http/graphql.py``;
:func:`answering_outages` covers what fails before or around execution (authenticating a session token,
the Idempotency-Key claim, storing a webhook delivery), which would otherwise reach Starlette's
plain-text 500.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from paymentgraph.db.outage import database_unavailable
from paymentgraph.errors import ErrorCode, ServiceUnavailable
from paymentgraph.schema.errors import DATABASE_UNAVAILABLE

logger = logging.getLogger("paymentgraph.http")

STATUS = 503
# A PostgreSQL restart or failover takes a few seconds; asking sooner mostly finds it still down.
DATABASE_RETRY_AFTER_SECONDS = 2

Endpoint = Callable[[Request], Awaitable[Response]]
# The body of a 503 for one kind of endpoint (GraphQL errors, or the webhook route's {"error", "code"}).
Body = Callable[[ServiceUnavailable], dict[str, Any]]


def graphql_body(error: ServiceUnavailable) -> dict[str, Any]:
    """The GraphQL over HTTP shape: one error, nothing executed (no ``data``)."""
    return {"errors": [{"message": error.message, "extensions": {"code": error.code.value, **error.details}}]}


def retry_after(seconds: int) -> dict[str, str]:
    return {"Retry-After": str(seconds)}


def service_unavailable(
    error: ServiceUnavailable,
    retry_after_seconds: int,
    body: Body = graphql_body,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """503 with ``Retry-After`` and ``error`` in the shape ``body`` gives it."""
    return Response(
        orjson.dumps(body(error)),
        status_code=STATUS,
        media_type="application/json",
        headers={**(headers or {}), **retry_after(retry_after_seconds)},
    )


def is_unavailable(formatted_errors: Iterable[Mapping[str, Any]] | None) -> bool:
    """Whether a formatted GraphQL error says SERVICE_UNAVAILABLE (the answer is then 503)."""
    return any(
        (error.get("extensions") or {}).get("code") == ErrorCode.SERVICE_UNAVAILABLE.value
        for error in formatted_errors or ()
    )


def answering_outages(endpoint: Endpoint, body: Body = graphql_body) -> Endpoint:
    """``endpoint``, with a database outage it raises answered 503 (anything else still raises)."""

    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            logger.warning("The database is unavailable (%s %s): %s", request.method, request.url.path, exc)
            return service_unavailable(DATABASE_UNAVAILABLE, DATABASE_RETRY_AFTER_SECONDS, body)

    return guarded
