"""Query limits: document size, nesting, depth, aliases, field repeats, cost and ``take``.

They are checked on the parsed document BEFORE graphql-core validates it (schema/validation.py), so
validation only sees documents of bounded shape: its overlapping-fields rule compares fields that share
a response key pairwise, and it gives up on documents nested deeper than the parser's 200 levels.

Cost counts every selected field once per object it may be resolved on: a list field multiplies its
subtree by its ``take`` (its declared default when omitted, else ``DEFAULT_LIST_SIZE``), so the cost
grows the way the work does. Introspection is not counted (GraphiQL's own query is deep but cheap).
Every fragment spread counts (a fragment spread twice costs twice), but each fragment is walked once,
so measuring costs time linear in the document's size.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
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

from paymentgraph.config import Settings
from paymentgraph.errors import ErrorCode
from paymentgraph.schema.fragments import DocumentFragments

# The size assumed for a list field without a ``take`` (and for one whose take is not known).
DEFAULT_LIST_SIZE = 20


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_cost: int
    max_take: int
    max_document_bytes: int
    max_nesting: int = 40
    max_field_repeats: int = 50

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_cost=settings.max_query_cost,
            max_take=settings.max_take,
            max_document_bytes=settings.max_document_bytes,
            max_nesting=settings.max_query_nesting,
            max_field_repeats=settings.max_field_repeats,
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


@dataclass
class Measure:
    """What the walker found in one selection set (with everything under it), or in the whole operation."""

    depth: int = 0
    aliases: int = 0
    cost: int = 0
    take: int = 0  # the largest take argument seen
    # The most field nodes that merge into one response path below (and in) this selection set: repeated
    # fields, counting every fragment spread, multiplied by how often their parents repeat.
    repeats: int = 0
    nesting: int = 0  # selection sets nested through fragments (the whole operation only)
    visited: int = 0  # selection nodes the walker looked at (the whole operation only): its work
    # The variables whose values decided a take (the whole operation only): all the measure depends on
    # besides the document itself.
    consulted: tuple[str, ...] = ()
    # Response keys selected directly in this selection set (through fragments), with their counts, and
    # the largest ``repeats`` of the selection sets under each key.
    keys: dict[str, int] = field(default_factory=dict)
    below: dict[str, int] = field(default_factory=dict)

    def add(self, other: Measure) -> None:
        """Merge a fragment's or inline fragment's measure into the selection set it is spread in."""
        self.depth = max(self.depth, other.depth)
        self.aliases += other.aliases
        self.cost += other.cost
        self.take = max(self.take, other.take)
        for key, count in other.keys.items():
            self.keys[key] = self.keys.get(key, 0) + count
        for key, repeats in other.below.items():
            self.below[key] = max(self.below.get(key, 0), repeats)


class Over(Exception):
    """A limit exceeded part-way: the walk stops there, so its work stays bounded."""

    def __init__(self, error: GraphQLError) -> None:
        super().__init__(error.message)
        self.error = error


class _Walker:
    """Measures an operation; each fragment is walked once per place type (memoised), so the work is
    linear in the document's size even where a fragment is spread 2^24 times (its measure is added
    that many times, which is cheap: the counts are numbers)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any] | None,
        limits: Limits | None,
    ) -> None:
        self.schema = schema
        self.fragments = DocumentFragments(document)
        self.variables = dict(variables or {})
        self.limits = limits
        self.visited = 0
        self.consulted: dict[str, None] = {}
        self._memo: dict[tuple[str, str, bool], Measure] = {}
        self._walking: set[tuple[str, str, bool]] = set()

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
                self.consulted[value.name.value] = None
                given = self.variables.get(value.name.value)
                return given if isinstance(given, int) and not isinstance(given, bool) else DEFAULT_LIST_SIZE
            return DEFAULT_LIST_SIZE
        default = argument.default_value
        return default if isinstance(default, int) and not isinstance(default, bool) else DEFAULT_LIST_SIZE

    def _fragment(self, name: str, parent: Any, taken: bool) -> Measure:
        """A fragment's measure where it is spread (walked once per parent type and list context)."""
        fragment = self.fragments.definitions.get(name)
        key = (name, getattr(parent, "name", ""), taken)
        found = self._memo.get(key)
        if found is not None:
            return found
        if fragment is None or key in self._walking:
            # Unknown fragments and cycles: validation refuses them; they add nothing here.
            return Measure()
        self._walking.add(key)
        found = self.walk(fragment.selection_set, parent, taken)
        self._walking.discard(key)
        self._memo[key] = found
        return found

    def walk(self, selection_set: SelectionSetNode, parent: Any, taken: bool) -> Measure:
        """The measure of one object's selection (depth counted from its fields, at 1)."""
        found = Measure()
        named_parent = get_named_type(parent)
        fields = named_parent.fields if isinstance(named_parent, GraphQLObjectType) else {}
        for node in selection_set.selections:
            self.visited += 1
            if isinstance(node, InlineFragmentNode):
                found.add(self.walk(node.selection_set, parent, taken))
                continue
            if isinstance(node, FragmentSpreadNode):
                found.add(self._fragment(node.name.value, parent, taken))
                continue
            assert isinstance(node, FieldNode)
            name = node.name.value
            response_key = node.alias.value if node.alias is not None else name
            found.keys[response_key] = found.keys.get(response_key, 0) + 1
            if node.alias is not None:
                found.aliases += 1
            if name.startswith("__"):
                continue
            definition = fields.get(name)
            if definition is None:
                # Interfaces and unions are not in this schema; validation refuses unknown fields.
                found.cost += 1
                continue
            found.depth = max(found.depth, 1)
            take = self._take(node, definition)
            if take is not None:
                found.take = max(found.take, take)
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
            child = Measure()
            if node.selection_set is not None:
                # A take on a wrapper object (``paymentCollections { items }``) sizes the list inside it.
                child = self.walk(node.selection_set, field_type, take is not None and not is_list)
            found.cost += multiplier * (1 + child.cost)
            found.depth = max(found.depth, 1 + child.depth)
            found.aliases += child.aliases
            found.take = max(found.take, child.take)
            found.below[response_key] = max(found.below.get(response_key, 0), child.repeats)
        found.repeats = max((n * max(1, found.below.get(k, 0)) for k, n in found.keys.items()), default=0)
        self._check_early(found)
        return found

    def _check_early(self, found: Measure) -> None:
        """Stop at the first selection set over the alias or repeat limits (they only grow from here)."""
        if self.limits is None:
            return
        if found.aliases > self.limits.max_aliases:
            raise Over(aliases_error(found.aliases, self.limits))
        if found.repeats > self.limits.max_field_repeats:
            raise Over(repeats_error(found.repeats, self.limits))


def _operations(document: DocumentNode, operation_name: str | None) -> Iterator[OperationDefinitionNode]:
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if operation_name is not None and (
            definition.name is None or definition.name.value != operation_name
        ):
            continue
        yield definition


def measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    limits: Limits | None = None,
) -> Measure:
    """Depth, aliases, cost, take, repeats and nesting of the operation to run (fragments resolved).

    With ``limits``, a document over the nesting limit is not walked (its measure has only the nesting)
    and one over the alias or repeat limits raises :class:`Over` part-way.
    """
    walker = _Walker(schema, document, variables, limits)
    total = Measure()
    # Every definition, used or not: validation walks them all (and gives up past 200 levels).
    for definition in document.definitions:
        if isinstance(definition, (OperationDefinitionNode, FragmentDefinitionNode)):
            total.nesting = max(total.nesting, walker.fragments.nesting(definition.selection_set))
    if limits is not None and total.nesting > limits.max_nesting:
        return total
    for definition in _operations(document, operation_name):
        root = schema.get_root_type(definition.operation)
        if root is None:
            continue
        for var in definition.variable_definitions or ():
            name = var.variable.name.value
            if name not in walker.variables and var.default_value is not None:
                walker.variables[name] = value_from_ast_untyped(var.default_value)
        found = walker.walk(definition.selection_set, root, False)
        total.depth = max(total.depth, found.depth)
        total.aliases = max(total.aliases, found.aliases)
        total.cost = max(total.cost, found.cost)
        total.take = max(total.take, found.take)
        total.repeats = max(total.repeats, found.repeats)
    total.visited = walker.visited
    total.consulted = tuple(walker.consulted)
    return total


def aliases_error(aliases: int, limits: Limits) -> GraphQLError:
    return too_complex(
        "aliases",
        aliases,
        limits.max_aliases,
        f"The query uses {aliases} aliases (counting each fragment spread); the maximum is "
        f"{limits.max_aliases}.",
    )


def repeats_error(repeats: int, limits: Limits) -> GraphQLError:
    return too_complex(
        "fieldRepeats",
        repeats,
        limits.max_field_repeats,
        f"The query selects one field {repeats} times (counting each fragment spread, times the repeats "
        f"of its parents); the maximum is {limits.max_field_repeats} (PAYMENTGRAPH_MAX_FIELD_REPEATS). "
        "Select each field once.",
    )
