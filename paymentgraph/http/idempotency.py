"""``Idempotency-Key`` on GraphQL mutations over HTTP, with Stripe's semantics.

``/graphql`` (http/graphql.py) hands :func:`run_once` a POST with an ``Idempotency-Key`` header whose
operation is a mutation, after it has read the body and compiled the document (each once). The key is
claimed in the :class:`~paymentgraph.idempotency.IdempotencyStore` *before* the mutation runs (the
conflicting insert is the in-use guard), keyed by the caller's credential (the bearer token's hash, or
the store; ``Context.credential``) and fingerprinted by the normalised document, the variables and the
operation name:

- the first request runs; its response is stored once execution began (errors included);
- a retry with the same key and body gets the stored response with ``Idempotent-Replayed: true``;
- the same key with another body: 422 ``IDEMPOTENCY_KEY_REUSED``;
- while the first still runs: 409 ``IDEMPOTENCY_KEY_IN_USE`` (its claim is renewed while it runs; a
  claim whose process died lapses within seconds, see :data:`~paymentgraph.idempotency.store.STALE_AFTER`);
- a key over 255 characters: 400 ``INVALID_DATA``;
- a request refused before execution (bad JSON, parse or validation errors, auth, limits) is not stored,
  and an interrupted one releases its claim, so the retry may use the key again;
- a response whose outcome is not known yet (an error with ``extensions.retryable``: PROVIDER_UNAVAILABLE)
  is not stored either: the retry with the same key runs again and resumes the pending capture or refund.

Queries, GETs and requests without the header never come here. Resolvers that run workflows
pass :func:`~paymentgraph.schema.idempotency.workflow_key` to them, so a retried mutation resumes the
workflow's recovery points.
Tests may set ``app.state.idempotency_store`` (e.g. a store with a fake clock).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from paymentgraph.errors import DomainError, IdempotencyKeyInUse, IdempotencyKeyReused
from paymentgraph.idempotency import IdempotencyStore
from paymentgraph.idempotency.store import validate_key

HEADER = "idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
_STATUS = {IdempotencyKeyInUse: 409, IdempotencyKeyReused: 422}


def request_fingerprint(normalised_document: str, variables: Any, operation_name: str | None) -> str:
    """sha256 over the normalised document (formatting-insensitive), the variables and the operation."""
    canonical = json.dumps(
        {"query": normalised_document, "variables": variables or {}, "operationName": operation_name},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _executed(body: dict[str, Any]) -> bool:
    """Whether execution began: some data came back, or an error belongs to a field (has a path)."""
    if body.get("data") is not None:
        return True
    return any(isinstance(e, dict) and e.get("path") for e in body.get("errors") or ())


def _retryable(body: dict[str, Any]) -> bool:
    """Whether an error says the outcome is not known yet (PROVIDER_UNAVAILABLE: ``retryable``).

    Such a response is never the key's final answer: the retry with the same key runs again and
    resumes the pending work (settled with the same provider key), instead of replaying the failure.
    """
    return any(
        isinstance(e, dict) and isinstance(e.get("extensions"), dict) and e["extensions"].get("retryable")
        for e in body.get("errors") or ()
    )


def _error(exc: DomainError, status: int) -> Response:
    error = {"message": exc.message, "extensions": {"code": exc.code.value, **exc.details}}
    return Response(orjson.dumps({"errors": [error]}), status_code=status, media_type="application/json")


async def run_once(
    request: Request, key: str, credential: str, fingerprint: str, run: Callable[[], Awaitable[Response]]
) -> Response:
    """``run()`` at most once for ``key`` (see the module docstring); its response, or the stored one."""
    try:
        validate_key(key)
    except DomainError as exc:
        return _error(exc, 400)
    state = request.app.state
    store = getattr(state, "idempotency_store", None) or IdempotencyStore(state.pg.sessionmaker)
    try:
        stored = await store.begin(credential, key, fingerprint)
    except (IdempotencyKeyInUse, IdempotencyKeyReused) as exc:
        return _error(exc, _STATUS[type(exc)])
    if stored is not None:
        return Response(
            orjson.dumps(stored.body),
            status_code=stored.status,
            media_type="application/json",
            headers={REPLAYED_HEADER: "true"},
        )

    try:
        # The heartbeat ties the in-use claim to this live request: a killed process's claim
        # lapses within seconds and the shopper's retry resumes the work.
        async with store.keep_alive(credential, key, fingerprint):
            response = await run()
    except BaseException:
        # Interrupted (cancelled, crashed): free the key so the retry resumes the work.
        await asyncio.shield(store.release(credential, key, fingerprint))
        raise
    # Read back from the bytes sent: what is stored is exactly what a replay will send.
    body = orjson.loads(bytes(response.body)) if response.body else None
    if isinstance(body, dict) and _executed(body) and not _retryable(body):
        await store.complete(credential, key, fingerprint, response.status_code, body)
    else:
        await store.release(credential, key, fingerprint)
    return response
