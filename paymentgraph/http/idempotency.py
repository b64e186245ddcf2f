"""``Idempotency-Key`` on GraphQL mutations over HTTP, with Stripe's semantics.

:func:`idempotent` wraps the ``/graphql`` endpoint. A POST with an ``Idempotency-Key`` header whose
operation is a mutation is claimed in the :class:`~paymentgraph.idempotency.IdempotencyStore` *before*
it runs (the conflicting insert is the in-use guard), keyed by the caller's scope (the bearer token's
hash, or the store) and fingerprinted by the normalised document, the variables and the operation name:

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

Queries, GETs and requests without the header pass straight through. Resolvers that run workflows
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
from graphql import DocumentNode, GraphQLSyntaxError, OperationDefinitionNode, OperationType, parse, print_ast
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message

from paymentgraph.errors import DomainError, IdempotencyKeyInUse, IdempotencyKeyReused
from paymentgraph.idempotency import IdempotencyStore
from paymentgraph.idempotency.store import validate_key
from paymentgraph.schema.idempotency import caller_scope

HEADER = "idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
_STATUS = {IdempotencyKeyInUse: 409, IdempotencyKeyReused: 422}
# A body larger than this is left to the endpoint, which refuses it (it is never a valid request).
MAX_BODY_BYTES = 2 * 1024 * 1024

Endpoint = Callable[[Request], Awaitable[Response]]


def _mutation_document(query: str, operation_name: str | None) -> DocumentNode | None:
    """The parsed document when the operation it runs is a mutation; None otherwise (or unparsable)."""
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [op for op in operations if op.name is not None and op.name.value == operation_name]
    if len(operations) != 1:
        return None  # ambiguous or missing: the endpoint reports it without running anything
    return document if operations[0].operation == OperationType.MUTATION else None


def request_fingerprint(document: DocumentNode, variables: Any, operation_name: str | None) -> str:
    """sha256 over the normalised document (formatting-insensitive), the variables and the operation."""
    canonical = json.dumps(
        {"query": print_ast(document), "variables": variables or {}, "operationName": operation_name},
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


async def _read_body(request: Request) -> bytes | None:
    """The whole body, or None when it is larger than :data:`MAX_BODY_BYTES`."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


def _replaying(request: Request, body: bytes) -> Request:
    """A request whose body reads as ``body`` again (the original stream was consumed)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await request.receive()

    return Request(request.scope, receive)


def idempotent(endpoint: Endpoint) -> Endpoint:
    """``endpoint`` with Idempotency-Key handling for mutations (see the module docstring)."""

    async def guarded(request: Request) -> Response:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST":
            return await endpoint(request)
        raw = await _read_body(request)
        if raw is None:
            return await endpoint(_replaying(request, b""))  # refused there as not GraphQL
        retry = _replaying(request, raw)
        try:
            params = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return await endpoint(retry)
        query = params.get("query") if isinstance(params, dict) else None
        operation_name = params.get("operationName") if isinstance(params, dict) else None
        if not isinstance(query, str) or not (operation_name is None or isinstance(operation_name, str)):
            return await endpoint(retry)
        document = _mutation_document(query, operation_name)
        if document is None:
            return await endpoint(retry)

        try:
            validate_key(key)
        except DomainError as exc:
            return _error(exc, 400)
        state = request.app.state
        store = getattr(state, "idempotency_store", None) or IdempotencyStore(state.pg.sessionmaker)
        scope = caller_scope(request.headers.get("authorization"))
        fingerprint = request_fingerprint(document, params.get("variables"), operation_name)
        try:
            stored = await store.begin(scope, key, fingerprint)
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
            async with store.keep_alive(scope, key, fingerprint):
                response = await endpoint(retry)
        except BaseException:
            # Interrupted (cancelled, crashed): free the key so the retry resumes the work.
            await asyncio.shield(store.release(scope, key, fingerprint))
            raise
        body = orjson.loads(bytes(response.body)) if response.body else None
        if isinstance(body, dict) and _executed(body) and not _retryable(body):
            await store.complete(scope, key, fingerprint, response.status_code, body)
        else:
            await store.release(scope, key, fingerprint)
        return response

    return guarded
