"""``/graphql``: a hand-rolled endpoint over compiled operations (schema/compiled.py), orjson in and out.

The body, its JSON and the document are each handled once: the body is read and decoded here, the
document is compiled once per (text, operationName) and kept, the caller is authenticated once (the
``Context`` carries its principal and its credential), a mutation with an ``Idempotency-Key`` is claimed
after that (http/idempotency.py), and errors are formatted once, just before the response is written.

Hand-rolled rather than strawberry's ASGI app because it is measurably faster (orjson, no per-request
view machinery; docs/performance.md, "What each technique bought") and because the status codes and
error shapes are ours, as the GraphQL over HTTP specification has them:

- a request that is not GraphQL is refused with ``extensions.code`` BAD_REQUEST: 400 (bad JSON, a batch,
  no query, parameters of the wrong type), 413 (an oversized body), 415 (a POST body that is not
  ``application/json``; browsers send ``text/plain`` cross-site without asking first);
- 405 for a mutation sent with GET;
- with ``Accept: application/json`` (or none) any GraphQL result is 200 with ``data``, as before;
- with ``Accept: application/graphql-response+json`` the answer has that media type, and a request the
  server refused before execution (parse, validation, limits, variables that do not coerce) is 400
  without ``data``;
- 503 with ``Retry-After`` when an error is SERVICE_UNAVAILABLE (the database could not be reached;
  ``http/unavailable.py``), whatever the Accept header.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import orjson
from graphql import ExecutionResult, GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.types.graphql import OperationType

from paymentgraph.errors import ErrorCode
from paymentgraph.http import graphiql, idempotency
from paymentgraph.http.overload import Admission
from paymentgraph.http.unavailable import DATABASE_RETRY_AFTER_SECONDS, is_unavailable, retry_after
from paymentgraph.schema.compiled import CompiledOperation
from paymentgraph.schema.context import Context
from paymentgraph.schema.errors import format_errors
from paymentgraph.schema.idempotency import caller_scope

# Variables may be much larger than the document (a long list of line items); bound the body anyway.
BODY_ALLOWANCE = 1024 * 1024
REQUEST_ID_HEADER = "x-request-id"
JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_response(
    body: dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
    media_type: str = JSON,
) -> Response:
    content = orjson.dumps(body, default=_default)
    return Response(content, status_code=status, media_type=media_type, headers=headers)


def _refusal(
    message: str, status: int, code: ErrorCode, headers: dict[str, str] | None = None, media_type: str = JSON
) -> Response:
    return json_response(
        {"errors": [{"message": message, "extensions": {"code": code.value}}]}, status, headers, media_type
    )


def response_media_type(accept: str | None) -> str:
    """``application/graphql-response+json`` when the client prefers it to ``application/json``."""
    if not accept or GRAPHQL_RESPONSE not in accept:
        return JSON
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[media.lower()] = max(weight, weights.get(media.lower(), 0.0))
    preferred = weights.get(GRAPHQL_RESPONSE, 0.0)
    return GRAPHQL_RESPONSE if preferred > 0 and preferred >= weights.get(JSON, 0.0) else JSON


def _check_content_type(content_type: str | None) -> None:
    """A POST body must be ``application/json`` (UTF-8, with or without a charset parameter)."""
    media, *params = (piece.strip() for piece in (content_type or "").split(";"))
    charset = next(
        (
            value.strip().strip('"').lower()
            for name, _, value in (p.partition("=") for p in params)
            if name.strip().lower() == "charset"
        ),
        "utf-8",
    )
    if media.lower() != JSON or charset not in ("utf-8", "utf8"):
        given = f"Content-Type {content_type!r}" if content_type else "no Content-Type"
        raise BadRequest(
            f"The request has {given}; send the GraphQL request as a JSON body with "
            "'Content-Type: application/json'",
            status=415,
        )


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _params_from_get(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = {"query": request.query_params.get("query")}
    if "operationName" in request.query_params:
        params["operationName"] = request.query_params["operationName"]
    raw_variables = request.query_params.get("variables")
    if raw_variables:
        try:
            params["variables"] = orjson.loads(raw_variables)
        except orjson.JSONDecodeError:
            raise BadRequest("The variables parameter is not valid JSON") from None
    return params


async def _params_from_post(request: Request, limit: int) -> dict[str, Any]:
    _check_content_type(request.headers.get("content-type"))
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BadRequest(f"The request body is larger than {limit} bytes", status=413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BadRequest(f"The request body is larger than {limit} bytes", status=413)
    try:
        params = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRequest("The request body is not valid JSON") from None
    if isinstance(params, list):
        raise BadRequest("Batched requests are not supported: send one JSON object with a query per request")
    if not isinstance(params, dict):
        raise BadRequest("The request body must be a JSON object with a query")
    return params


def _validate(params: dict[str, Any]) -> tuple[str, dict[str, Any] | None, str | None]:
    query = params.get("query")
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("No GraphQL query found in the request")
    variables = params.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("variables must be a JSON object")
    operation_name = params.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("operationName must be a string")
    extensions = params.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise BadRequest("extensions must be a JSON object")
    return query, variables, operation_name


async def graphql_endpoint(request: Request) -> Response:
    """Run one GraphQL request (POST, or GET for queries); GraphiQL for a browser's GET."""
    state = request.app.state
    settings = state.pg.settings
    if request.method == "GET" and graphiql.wants_html(request):
        if settings.graphiql:
            return graphiql.page(request.url.path)
        return Response("GraphiQL is disabled", status_code=404, media_type="text/plain")

    request_id = request.headers.get(REQUEST_ID_HEADER) or uuid.uuid4().hex
    headers = {"X-Request-Id": request_id}
    media_type = response_media_type(request.headers.get("accept"))
    try:
        if request.method == "GET":
            params = _params_from_get(request)
        else:
            params = await _params_from_post(request, settings.max_document_bytes + BODY_ALLOWANCE)
        query, variables, operation_name = _validate(params)
    except BadRequest as exc:
        return _refusal(exc.message, exc.status, ErrorCode.BAD_REQUEST, headers, media_type)

    operation = state.operations.get(query, operation_name)
    if operation.refusal is None:
        if operation.unknown_operation:
            reason = CannotGetOperationTypeError(operation_name).as_http_error_reason()
            return _refusal(reason, 400, ErrorCode.GRAPHQL_VALIDATION_FAILED, headers, media_type)
        if operation.operation_type is OperationType.SUBSCRIPTION:
            # Subscriptions are served over WebSocket at the same path (http/subscriptions.py).
            return _refusal(
                "Subscriptions are served over WebSocket at /graphql (protocol graphql-transport-ws)",
                400,
                ErrorCode.BAD_REQUEST,
                headers,
                media_type,
            )
        if operation.operation_type is OperationType.MUTATION and request.method == "GET":
            # A GET must not change anything (caches, prefetchers and crawlers replay GETs).
            headers["Allow"] = "POST"
            return _refusal(
                "Mutations are not allowed over GET; send them with POST",
                405,
                ErrorCode.NOT_ALLOWED,
                headers,
                media_type,
            )

    if operation.operation_type is OperationType.QUERY:
        admission: Admission | None = getattr(state, "admission", None)
        if admission is not None:
            if not admission.reads.admit():
                return admission.refuse_read()
            try:
                return await _authenticated(request, state, operation, variables, headers, media_type)
            finally:
                admission.reads.release()
    return await _authenticated(request, state, operation, variables, headers, media_type)


def is_read_body(scope: Scope, body: bytes) -> bool:
    """Whether a POST ``body`` is a query (http/overload.py's guard, while reads are at their bound).

    Anything else (not JSON, a mutation, a document that does not compile) is for the endpoint to
    answer. The document is compiled as the endpoint would (once, then found by its text).
    """
    content_type = next((value for name, value in scope["headers"] if name == b"content-type"), b"")
    if not content_type.lower().startswith(JSON.encode()):  # the endpoint's 415 comes first
        return False
    try:
        params = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    if not isinstance(params, dict):
        return False
    query, operation_name = params.get("query"), params.get("operationName")
    if not isinstance(query, str) or not (operation_name is None or isinstance(operation_name, str)):
        return False
    operation = scope["app"].state.operations.get(query, operation_name)
    return operation.operation_type is OperationType.QUERY


async def _authenticated(
    request: Request,
    state: Any,
    operation: CompiledOperation,
    variables: dict[str, Any] | None,
    headers: dict[str, str],
    media_type: str,
) -> Response:
    """Authenticate the caller once, then run the operation (at most once for an Idempotency-Key)."""
    operation_name = operation.provided_name
    request_id = headers["X-Request-Id"]
    authorization = request.headers.get("authorization")
    idempotency_key = request.headers.get(idempotency.HEADER)
    credential = caller_scope(authorization)
    context = Context(
        pg=state.pg,
        principal=await state.pg.identity.authenticate(authorization),
        request=request,
        request_id=request_id,
        idempotency_key=idempotency_key,
        credential=credential,
    )

    async def answer() -> Response:
        return await _answer(state, operation, variables, context, headers, media_type)

    if idempotency_key is not None and request.method == "POST" and operation.runs_one_mutation:
        fingerprint = idempotency.request_fingerprint(operation.normalised, variables, operation_name)
        return await idempotency.run_once(request, idempotency_key, credential, fingerprint, answer)
    return await answer()


async def _answer(
    state: Any,
    operation: CompiledOperation,
    variables: dict[str, Any] | None,
    context: Context,
    headers: dict[str, str],
    media_type: str,
) -> Response:
    """Check the request against the compiled operation, run it, and answer (errors formatted once)."""
    schema = state.schema
    try:
        refused = operation.request_errors(
            schema._schema, variables, context.principal, state.operations.limits
        )
    except Exception as bug:  # in a check of ours: masked and logged with the request id, like any bug
        refused = [GraphQLError(str(bug), original_error=bug)]
    if refused is not None:
        result = ExecutionResult(None, refused)
    else:
        result = await operation.run(schema, variables, context)
    errors: list[GraphQLError] | None = format_errors(result.errors, context.request_id)
    formatted = [error.formatted for error in errors] if errors else None
    status = 200
    body: dict[str, Any] = {"data": result.data}
    if media_type == GRAPHQL_RESPONSE and formatted and _refused_before_execution(result.data, formatted):
        # The specification's answer to a request error: 400, and no data (nothing was executed).
        status = 400
        del body["data"]
    if formatted:
        body["errors"] = formatted
        if is_unavailable(formatted):
            # Retryable as a whole: a load balancer or client retries 503s without reading the body.
            status = 503
            headers = {**headers, **retry_after(DATABASE_RETRY_AFTER_SECONDS)}
    return json_response(body, status, headers, media_type)


def _refused_before_execution(data: Any, errors: Sequence[Mapping[str, object]]) -> bool:
    """A request error (parse, validation, guards, variable coercion): no data and no error on a field.

    A field error always has a ``path``; errors raised before execution never have one.
    """
    return data is None and all("path" not in error for error in errors)
