"""The operation to run must be unambiguous: several operations need an ``operationName``.

Strawberry quietly runs the first named operation of a document sent without ``operationName``; the
GraphQL spec refuses such a request. Running one silently also bypasses the idempotency middleware,
which (as the spec says) treats the operation of such a document as unknown.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from paymentgraph.errors import ErrorCode

_UNKNOWN = object()


def several_operations_error(operations: Sequence[OperationDefinitionNode]) -> GraphQLError:
    """The refusal of a document of several ``operations`` sent without ``operationName``."""
    names = ", ".join(op.name.value if op.name else "(anonymous)" for op in operations)
    return GraphQLError(
        f"The document has {len(operations)} operations ({names}); send operationName to choose the one "
        "to run",
        extensions={"code": ErrorCode.GRAPHQL_VALIDATION_FAILED.value},
    )


class SingleOperationGuard(SchemaExtension):
    """Refuses a document of several operations sent without ``operationName``, before anything runs."""

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        # ctx.operation_name falls back to the first operation's name; only the name the client sent counts
        # (strawberry keeps it privately; without that attribute the guard stands aside).
        provided = getattr(ctx, "_provided_operation_name", _UNKNOWN)
        if document is not None and not ctx.pre_execution_errors and provided is None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                ctx.pre_execution_errors = [several_operations_error(operations)]
        yield
