"""The query limits applied to a request: strawberry extensions that refuse a document over them.

``DocumentSizeLimit`` refuses an oversized document before it is parsed; ``QueryLimits`` measures the
parsed operation (schema/limits.py) before graphql-core validates it, and keeps each document's verdict
(schema/verdicts.py) under the values of the variables that decided its takes, so a repeated document
is not walked again.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, cast

from graphql import DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension

from paymentgraph.schema.limits import (
    DEFAULT_LIST_SIZE,
    Limits,
    Measure,
    Over,
    aliases_error,
    measure,
    repeats_error,
    too_complex,
)
from paymentgraph.schema.verdicts import MISSING, NodeCache


def check_document_size(query: str | None, limits: Limits) -> GraphQLError | None:
    size = len(query.encode()) if query else 0
    if size > limits.max_document_bytes:
        return too_complex(
            "documentBytes",
            size,
            limits.max_document_bytes,
            f"The query document is {size} bytes; the maximum is {limits.max_document_bytes} bytes.",
        )
    return None


def check(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    limits: Limits,
    verdicts: NodeCache | None = None,
) -> GraphQLError | None:
    """The first limit this operation breaks, as a QUERY_TOO_COMPLEX error, or None.

    With ``verdicts``, a document measured before is not walked again: its verdict is kept under the
    values of the variables that decided its takes (the only input besides the document)."""
    given = variables or {}
    if verdicts is not None:
        consulted = verdicts.get(document, (operation_name,))
        if consulted is not MISSING:
            kept = verdicts.get(document, _verdict_key(operation_name, consulted, given))
            if kept is not MISSING:
                return cast(GraphQLError | None, kept)
    try:
        found = measure(schema, document, operation_name, variables, limits)
    except Over as over:
        return over.error  # found part-way: not kept
    verdict = _verdict(found, limits)
    if verdicts is not None:
        verdicts.put(document, (operation_name,), found.consulted)
        verdicts.put(document, _verdict_key(operation_name, found.consulted, given), verdict)
    return verdict


def _verdict_key(
    operation_name: str | None, consulted: tuple[str, ...], given: Mapping[str, Any]
) -> tuple[Any, ...]:
    # repr: the values are JSON (unhashable lists or objects where a take should be an int); a variable
    # not given at all differs from one given as null.
    return (operation_name, tuple(repr(given[name]) if name in given else "unset" for name in consulted))


def _verdict(found: Measure, limits: Limits) -> GraphQLError | None:
    """The first limit a complete measure breaks, or None."""
    if found.nesting > limits.max_nesting:
        return too_complex(
            "nesting",
            found.nesting,
            limits.max_nesting,
            f"The query nests selections {found.nesting} levels deep (counting fragments and inline "
            f"fragments); the maximum is {limits.max_nesting} (PAYMENTGRAPH_MAX_QUERY_NESTING).",
        )
    if found.take > limits.max_take:
        return too_complex(
            "take",
            found.take,
            limits.max_take,
            f"take {found.take} is above the maximum of {limits.max_take}.",
        )
    if found.depth > limits.max_depth:
        return too_complex(
            "depth",
            found.depth,
            limits.max_depth,
            f"The query is {found.depth} levels deep; the maximum depth is {limits.max_depth}.",
        )
    if found.aliases > limits.max_aliases:
        return aliases_error(found.aliases, limits)
    if found.repeats > limits.max_field_repeats:
        return repeats_error(found.repeats, limits)
    if found.cost > limits.max_cost:
        return too_complex(
            "cost",
            found.cost,
            limits.max_cost,
            f"The query may cost {found.cost} (list fields count once per item of their take); "
            f"the maximum cost is {limits.max_cost}. Ask for smaller pages, or give nested lists a take "
            f"(a nested list without one counts as {DEFAULT_LIST_SIZE} items).",
        )
    return None


class DocumentSizeLimit(SchemaExtension):
    """Refuses a document larger than ``max_document_bytes`` before it is parsed."""

    def __init__(self, limits: Limits) -> None:
        super().__init__()
        self.limits = limits

    def on_parse(self) -> Iterator[None]:
        error = check_document_size(self.execution_context.query, self.limits)
        if error is not None:
            # Raised before parsing: strawberry turns it into the operation's only error.
            raise error
        yield


class QueryLimits(SchemaExtension):
    """Refuses an operation over the limits, before validation (which then sees bounded documents only)."""

    def __init__(self, limits: Limits, verdicts: NodeCache | None = None) -> None:
        super().__init__()
        self.limits = limits
        self.verdicts = verdicts

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None and not ctx.pre_execution_errors:
            error = check(
                ctx.schema._schema, document, ctx.operation_name, ctx.variables, self.limits, self.verdicts
            )
            if error is not None:
                ctx.pre_execution_errors = [error]
        yield
