"""The one place where errors become what a GraphQL client sees.

- A :class:`~paymentgraph.errors.DomainError` keeps its message and gets ``extensions.code`` plus the
  ids it carries (``extensions.id``, ``extensions.entity`` ...). Its ``field`` (a Python input path such
  as ``items[0].unit_price``) is spelled as the API spells it (``items[0].unitPrice``), in
  ``extensions.field`` and in the message.
- An error that already carries a code (auth, limits) is left as it is.
- Parse and validation errors (and variables that do not coerce) keep their message, with
  ``GRAPHQL_VALIDATION_FAILED``.
- An error that says the database could not be reached (:func:`~paymentgraph.db.outage.database_unavailable`:
  a refused or dropped connection, a pool with nothing to give, SQLite's file gone) is
  ``SERVICE_UNAVAILABLE`` with ``extensions.retryable``; ``http/`` answers it with 503 and ``Retry-After``.
- Anything else is a bug: masked as "Internal server error" with
  ``INTERNAL_SERVER_ERROR`` and ``extensions.requestId``, and logged with its traceback and that id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from paymentgraph.db.outage import database_unavailable
from paymentgraph.errors import DomainError, ErrorCode, ServiceUnavailable

logger = logging.getLogger("paymentgraph.graphql")

INTERNAL_MESSAGE = "Internal server error"
DATABASE_UNAVAILABLE = ServiceUnavailable(
    "The database cannot be reached right now; retry after a few seconds (Retry-After)",
    dependency="database",
)
# Exceptions a scalar's parser raises for a value that does not coerce: the client's mistake, not ours.
_COERCION_ERRORS = (ValueError, TypeError, ArithmeticError)


def _domain_error(error: GraphQLError) -> DomainError | None:
    original: BaseException | None = error.original_error
    # graphql-core may wrap an error more than once (a located error around a coercion error).
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    return original if isinstance(original, DomainError) else None


_SNAKE_PART = re.compile(r"(?<=[a-z0-9])_([a-z0-9])")


def api_field_path(path: str) -> str:
    """A Python input path in the API's camelCase: ``items[0].unit_price`` -> ``items[0].unitPrice``."""
    return _SNAKE_PART.sub(lambda match: match.group(1).upper(), path)


def _copy(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=extensions,
    )


def format_error(error: GraphQLError, request_id: str | None = None) -> GraphQLError:
    """The client's view of ``error`` (a new error; cached validation errors are never modified)."""
    if error.extensions and "code" in error.extensions:
        return error
    domain = _domain_error(error)
    if domain is not None:
        details = {key: value for key, value in domain.details.items() if key != "code"}
        message = error.message
        field = details.get("field")
        if isinstance(field, str):
            details["field"] = api_field_path(field)
            message = message.replace(field, details["field"])
        return _copy(error, message, {"code": domain.code.value, **details})
    original = error.original_error
    # A value that did not coerce points at the variable or literal it came from; an exception raised
    # by our own code before execution (an extension hook) points at nothing and is masked below.
    coercion = isinstance(original, _COERCION_ERRORS) and bool(error.nodes)
    client_mistake = original is None or isinstance(original, GraphQLError) or coercion
    if error.path is None and client_mistake:
        # No path: the document or its variables were refused before any resolver ran.
        return _copy(error, error.message, {"code": ErrorCode.GRAPHQL_VALIDATION_FAILED.value})
    if original is not None and database_unavailable(original):
        # An outage, not a bug: a warning without the traceback (one per request caught in it).
        logger.warning("The database is unavailable (request %s): %s", request_id, original)
        unavailable = DATABASE_UNAVAILABLE
        return _copy(error, unavailable.message, {"code": unavailable.code.value, **unavailable.details})
    logger.error(
        "Unexpected error in GraphQL %s (request %s): %s",
        ".".join(str(p) for p in error.path or ()) or "operation",
        request_id,
        error.message,
        exc_info=(type(original), original, original.__traceback__) if original is not None else None,
        extra={"request_id": request_id},
    )
    extensions: dict[str, Any] = {"code": ErrorCode.INTERNAL_SERVER_ERROR.value}
    if request_id is not None:
        extensions["requestId"] = request_id
    return GraphQLError(
        INTERNAL_MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


def format_errors(errors: list[GraphQLError] | None, request_id: str | None) -> list[GraphQLError] | None:
    if not errors:
        return errors
    return [format_error(error, request_id) for error in errors]


def request_id_of(context: Any) -> str | None:
    return getattr(context, "request_id", None)


class ErrorExtension(SchemaExtension):
    """Applies :func:`format_error` to every error of an operation's result (and of each result a
    subscription streams)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and getattr(result, "errors", None):
            result.errors = format_errors(result.errors, request_id_of(self.execution_context.context))

    def on_stream_result(self, result: Any) -> Iterator[None]:
        if getattr(result, "errors", None):
            result.errors = format_errors(result.errors, request_id_of(self.execution_context.context))
        yield


def quiet_process_errors(_schema: Any, _errors: list[GraphQLError], _execution_context: Any = None) -> None:
    """Replaces strawberry's ``Schema.process_errors``, which logs every error (domain errors too).

    Unexpected errors are logged once, by :func:`format_error`, with the request id.
    """
