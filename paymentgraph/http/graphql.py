"""``/graphql``: a hand-rolled endpoint over ``schema.execute`` with orjson in and out.

Hand-rolled rather than strawberry's ASGI app because it is measurably faster (orjson, no per-request
view machinery; perf-floor.md section 6) and because the status codes and error shapes are ours:
200 for any GraphQL result (errors included), 400 for a request that is not GraphQL (bad JSON, no
query), 405 for a mutation sent with GET, 413 for an oversized body.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from paymentgraph.errors import ErrorCode
from paymentgraph.http import graphiql
from paymentgraph.schema.context import Context
from paymentgraph.schema.errors import format_errors

# Variables may be much larger than the document (a long list of line items); bound the body anyway.
BODY_ALLOWANCE = 1024 * 1024
REQUEST_ID_HEADER = "x-request-id"


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_response(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = orjson.dumps(body, default=_default)
    return Response(content, status_code=status, media_type="application/json", headers=headers)


def _refusal(message: str, status: int, code: ErrorCode, headers: dict[str, str] | None = None) -> Response:
    return json_response(
        {"errors": [{"message": message, "extensions": {"code": code.value}}]}, status, headers
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
    try:
        if request.method == "GET":
            params = _params_from_get(request)
        else:
            params = await _params_from_post(request, settings.max_document_bytes + BODY_ALLOWANCE)
        query, variables, operation_name = _validate(params)
    except BadRequest as exc:
        return _refusal(exc.message, exc.status, ErrorCode.GRAPHQL_VALIDATION_FAILED, headers)

    context = Context(
        pg=state.pg,
        principal=await state.pg.identity.authenticate(request.headers.get("authorization")),
        request=request,
        request_id=request_id,
        idempotency_key=request.headers.get("idempotency-key"),
    )
    allowed = {OperationType.QUERY} if request.method == "GET" else None
    try:
        result = await state.schema.execute(
            query,
            variable_values=variables,
            context_value=context,
            operation_name=operation_name,
            allowed_operation_types=allowed,
        )
    except InvalidOperationTypeError:
        # A GET must not change anything (caches, prefetchers and crawlers replay GETs).
        headers["Allow"] = "POST"
        return _refusal(
            "Mutations are not allowed over GET; send them with POST", 405, ErrorCode.NOT_ALLOWED, headers
        )
    except CannotGetOperationTypeError as exc:
        return _refusal(exc.as_http_error_reason(), 400, ErrorCode.GRAPHQL_VALIDATION_FAILED, headers)
    except MissingQueryError:
        return _refusal(
            "No GraphQL query found in the request", 400, ErrorCode.GRAPHQL_VALIDATION_FAILED, headers
        )

    body: dict[str, Any] = {"data": result.data}
    errors: list[GraphQLError] | None = format_errors(result.errors, request_id)
    if errors:
        body["errors"] = [error.formatted for error in errors]
    if result.extensions:
        body["extensions"] = result.extensions
    return json_response(body, headers=headers)
