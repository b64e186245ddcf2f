"""Query limits: document size, depth, aliases, cost and ``take``, refused before execution.

Cost counts every selected field once per object it may be resolved on: a list field multiplies its
subtree by its ``take`` (its declared default when omitted, else ``DEFAULT_LIST_SIZE``), so the cost
grows the way the work does. Introspection is not counted (GraphiQL's own query is deep but cheap).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

from paymentgraph.config import Settings
from paymentgraph.errors import ErrorCode

# The size assumed for a list field without a ``take`` (and for one whose take is not known).
DEFAULT_LIST_SIZE = 20


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_cost: int
    max_take: int
    max_document_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_cost=settings.max_query_cost,
            max_take=settings.max_take,
            max_document_bytes=settings.max_document_bytes,
        )


def too_complex(limit: str, value: int, maximum: int, message: str) -> GraphQLError:
    """A QUERY_TOO_COMPLEX refusal naming the limit, the value found and the maximum."""
    return GraphQLError(
        message,
        extensions={
            "code": ErrorCode.QUERY_TOO_COMPLEX.value,
            "limit": limit,
            "value": value,
            "maximum": maximum,
        },
    )


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


@dataclass
class _Measure:
    depth: int = 0
    aliases: int = 0
    cost: int = 0
    take: int = 0  # the largest take argument seen


class _Walker:
    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None
    ) -> None:
        self.schema = schema
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.variables = dict(variables or {})
        self.measure = _Measure()

    def _fields(
        self, selection_set: SelectionSetNode, seen: frozenset[str] = frozenset()
    ) -> Iterator[FieldNode]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self._fields(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    yield from self._fields(fragment.selection_set, seen | {name})

    def _take(self, node: FieldNode, definition: GraphQLField) -> int | None:
        """The take this field asks for: the argument, a variable, or the declared default."""
        argument = definition.args.get("take")
        if argument is None:
            return None
        for arg in node.arguments or ():
            if arg.name.value != "take":
                continue
            value = arg.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                return given if isinstance(given, int) and not isinstance(given, bool) else DEFAULT_LIST_SIZE
            return DEFAULT_LIST_SIZE
        default = argument.default_value
        return default if isinstance(default, int) and not isinstance(default, bool) else DEFAULT_LIST_SIZE

    def walk(self, selection_set: SelectionSetNode, parent: Any, depth: int, taken: bool) -> int:
        """The cost of one object's selection; updates depth, aliases and the largest take."""
        cost = 0
        named_parent = get_named_type(parent)
        fields = named_parent.fields if isinstance(named_parent, GraphQLObjectType) else {}
        for node in self._fields(selection_set):
            name = node.name.value
            if node.alias is not None:
                self.measure.aliases += 1
            if name.startswith("__"):
                continue
            definition = fields.get(name)
            if definition is None:
                # Interfaces and unions are not in this schema; validation has already refused unknowns.
                cost += 1
                continue
            self.measure.depth = max(self.measure.depth, depth)
            take = self._take(node, definition)
            if take is not None:
                self.measure.take = max(self.measure.take, take)
            field_type = definition.type
            if isinstance(field_type, GraphQLNonNull):
                field_type = field_type.of_type
            is_list = isinstance(field_type, GraphQLList)
            if take is not None:
                multiplier = max(take, 1)
            elif is_list and not taken:
                multiplier = DEFAULT_LIST_SIZE
            else:
                # The ``items`` of a root list: the take of the field above already counted them.
                multiplier = 1
            child_cost = 0
            if node.selection_set is not None:
                # A take on a wrapper object (``paymentCollections { items }``) sizes the list inside it.
                child_taken = take is not None and not is_list
                child_cost = self.walk(node.selection_set, field_type, depth + 1, child_taken)
            cost += multiplier * (1 + child_cost)
        return cost


def measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> _Measure:
    """Depth, aliases, cost and the largest take of the operation to run (fragments resolved)."""
    walker = _Walker(schema, document, variables)
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if operation_name is not None and (
            definition.name is None or definition.name.value != operation_name
        ):
            continue
        root = schema.get_root_type(definition.operation)
        if root is None:
            continue
        for var in definition.variable_definitions or ():
            name = var.variable.name.value
            if name not in walker.variables and var.default_value is not None:
                walker.variables[name] = value_from_ast_untyped(var.default_value)
        cost = walker.walk(definition.selection_set, root, 1, False)
        walker.measure.cost = max(walker.measure.cost, cost)
    return walker.measure


def check(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    limits: Limits,
) -> GraphQLError | None:
    """The first limit this operation breaks, as a QUERY_TOO_COMPLEX error, or None."""
    found = measure(schema, document, operation_name, variables)
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
        return too_complex(
            "aliases",
            found.aliases,
            limits.max_aliases,
            f"The query uses {found.aliases} aliases; the maximum is {limits.max_aliases}.",
        )
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
    """Refuses an operation over the depth, aliases, cost or take limits, after validation."""

    def __init__(self, limits: Limits) -> None:
        super().__init__()
        self.limits = limits

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None and not ctx.pre_execution_errors:
            error = check(ctx.schema._schema, document, ctx.operation_name, ctx.variables, self.limits)
            if error is not None:
                ctx.pre_execution_errors = [error]
        yield
