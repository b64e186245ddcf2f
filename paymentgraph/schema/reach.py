"""Who may select what, gathered from the declarations into one table, and the check on an operation.

The table comes from data declared next to each field: an entity's :class:`~paymentgraph.db.reach.Reach`
(its fields, relations and links), each root query's and mutation's scopes, and the reach of the few
hand-written types. A (type, field) that nobody declared is the admin's alone, so a new field never
opens up by accident.

:func:`refused_fields` walks the operation that will run, before any resolver, through aliases (names,
not response keys, are checked), fragments and inline fragments; each fragment is walked once per scope,
so the work is linear in the document's size.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
)

from paymentgraph.db.reach import ADMIN_ONLY, EVERYONE, SIGNED_IN, Scope
from paymentgraph.schema.verdicts import NodeCache

if TYPE_CHECKING:
    from paymentgraph.schema.plans import ReadTypes

REACH_KEY = "paymentgraph_reach"  # where create_schema leaves the ReachTable on the GraphQL schema

# Hand-written object types (schema/types.py): what each scope may read of them.
TYPE_REACH: Mapping[str, frozenset[Scope]] = {
    "PaymentMethod": SIGNED_IN,  # a customer's saved card: customer data
    "DeleteResult": EVERYONE,
}


@dataclass(frozen=True)
class RootReach:
    """Who may use a root field; ``acts_as``: the scope its result is read in (a fresh sign-in's customer)."""

    scopes: frozenset[Scope] = ADMIN_ONLY
    acts_as: Scope | None = None


@dataclass
class ReachTable:
    roots: dict[OperationType, dict[str, RootReach]] = field(
        default_factory=lambda: {op: {} for op in OperationType}
    )
    fields: dict[str, dict[str, frozenset[Scope]]] = field(default_factory=dict)
    # What each scope may not select, per document and operation (decided once per document).
    verdicts: NodeCache = field(default_factory=NodeCache, compare=False, repr=False)

    def declare_type(self, type_name: str, names: Iterable[str], scopes: frozenset[Scope]) -> None:
        declared = self.fields.setdefault(type_name, {})
        for name in names:
            declared[name] = scopes

    def readable(self, type_name: str, field_name: str) -> frozenset[Scope]:
        return self.fields.get(type_name, {}).get(field_name, ADMIN_ONLY)

    def root(self, operation: OperationType, name: str) -> RootReach:
        return self.roots[operation].get(name, RootReach())

    def store_roots(self) -> dict[OperationType, frozenset[str]]:
        """The root fields a guest or customer may use (the contract's "store" marks)."""
        return {
            op: frozenset(n for n, r in roots.items() if r.scopes & {Scope.GUEST, Scope.CUSTOMER})
            for op, roots in self.roots.items()
        }


def selected_operations(document: DocumentNode, operation_name: str | None) -> list[OperationDefinitionNode]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        named = [op for op in operations if op.name is not None and op.name.value == operation_name]
        # An unknown operation name fails in execution; check everything meanwhile.
        return named or operations
    return operations


class _Walk:
    def __init__(self, schema: GraphQLSchema, table: ReachTable, document: DocumentNode) -> None:
        self.schema = schema
        self.table = table
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.refused: list[str] = []
        self._done: set[tuple[str, Scope | None]] = set()

    def refuse(self, path: str) -> None:
        if path not in self.refused:
            self.refused.append(path)

    def operation(self, operation: OperationDefinitionNode, scope: Scope) -> None:
        root_type = self.schema.get_root_type(operation.operation)
        if root_type is None:
            return
        for node, _ in self._fields(operation.selection_set, root_type):
            name = node.name.value
            if name.startswith("__"):
                continue  # introspection stays open: GraphiQL needs it in every scope
            reach = self.table.root(operation.operation, name)
            if scope not in reach.scopes:
                self.refuse(name)
                continue
            definition = root_type.fields.get(name)
            if definition is not None and node.selection_set is not None:
                self.selection(node.selection_set, get_named_type(definition.type), reach.acts_as or scope)

    def selection(self, selection_set: SelectionSetNode, parent: GraphQLNamedType, scope: Scope) -> None:
        if not isinstance(parent, GraphQLObjectType):
            return
        for node, owner in self._fields(selection_set, parent, scope):
            name = node.name.value
            if name.startswith("__"):
                continue
            if scope not in self.table.readable(owner.name, name):
                self.refuse(f"{owner.name}.{name}")
                continue
            definition = owner.fields.get(name)
            if definition is not None and node.selection_set is not None:
                self.selection(node.selection_set, get_named_type(definition.type), scope)

    def _fields(
        self, selection_set: SelectionSetNode, parent: GraphQLObjectType, scope: Scope | None = None
    ) -> Iterable[tuple[FieldNode, GraphQLObjectType]]:
        """The fields selected on ``parent`` directly and through fragments (each fragment once per scope)."""
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                yield node, parent
            elif isinstance(node, InlineFragmentNode):
                on = self._type(node.type_condition.name.value if node.type_condition else None, parent)
                yield from self._fields(node.selection_set, on, scope)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments.get(node.name.value)
                marker = (node.name.value, scope)
                if fragment is None or marker in self._done:
                    continue
                self._done.add(marker)
                on = self._type(fragment.type_condition.name.value, parent)
                yield from self._fields(fragment.selection_set, on, scope)

    def _type(self, name: str | None, parent: GraphQLObjectType) -> GraphQLObjectType:
        found = self.schema.type_map.get(name) if name else None
        return found if isinstance(found, GraphQLObjectType) else parent


def refused_fields(
    schema: GraphQLSchema, table: ReachTable, document: DocumentNode, operation_name: str | None, scope: Scope
) -> list[str]:
    """What the operation to run selects that ``scope`` may not: root field names and ``Type.field``s."""
    walk = _Walk(schema, table, document)
    for operation in selected_operations(document, operation_name):
        walk.operation(operation, scope)
    return walk.refused


def build_reach_table(
    types: ReadTypes,
    mutations: Iterable[Any],
    type_reach: Mapping[str, frozenset[Scope]],
    schema: GraphQLSchema,
) -> ReachTable:
    """The table for a built schema: entity types from their entities' reach, roots from their
    declarations (``mutations``: MutationDefs), hand-written types from ``type_reach``."""
    table = ReachTable()
    table.roots[OperationType.QUERY] = dict(types.query_reach)
    table.roots[OperationType.MUTATION] = {m.name: RootReach(m.scopes, m.acts_as) for m in mutations}
    table.roots[OperationType.SUBSCRIPTION] = dict(types.subscription_reach)
    for type_name, plan in types.plans.items():
        entity = types.registry.entities[plan.entity]
        declared = table.fields.setdefault(type_name, {})
        for graphql_name, field_plan in plan.fields.items():
            declared[graphql_name] = entity.reach.of(field_plan.name)
        # A page's shape is anyone's; who may ask for the page is the root's (or the relation's) business.
        table.declare_type(f"{type_name}List", ("items", "count", "skip", "take"), EVERYONE)
    for type_name, scopes in {**TYPE_REACH, **type_reach}.items():
        graphql_type = schema.type_map.get(type_name)
        if isinstance(graphql_type, GraphQLObjectType):
            table.declare_type(type_name, graphql_type.fields, scopes)
    return table
