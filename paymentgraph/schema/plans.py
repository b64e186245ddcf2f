"""What a request's read needs of the built schema, declared apart from the build.

The schema's build (``schema/build.py``) produces a :class:`ReadTypes` and leaves it on the GraphQL
schema (:data:`TYPES_KEY`); resolvers and the reach check read it back through :func:`type_registry`.
Declaring it here keeps the request path (``schema/selection.py``, ``schema/reach.py``) from importing
the build, which imports them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from graphql import FieldNode, GraphQLResolveInfo

from paymentgraph.links.registry import Registry
from paymentgraph.query.selection import Selection
from paymentgraph.schema.filters import FilterSpec
from paymentgraph.schema.links import EdgeField
from paymentgraph.schema.ordering import OrderSpec
from paymentgraph.schema.types import TypePlan
from paymentgraph.schema.verdicts import MISSING, NodeCache

TYPES_KEY = "paymentgraph_types"  # where build_schema leaves its ReadTypes on the GraphQL schema
_CACHE_SIZE = 512


class ReadTypes(Protocol):
    """The generated types' plans, as a request reads them (``schema.build.TypeRegistry`` is one).

    Read-only: a request never changes them (the selection cache changes only its own entries)."""

    @property
    def registry(self) -> Registry: ...
    @property
    def plans(self) -> Mapping[str, TypePlan]: ...  # GraphQL object type name -> how it reads its entity
    @property
    def graphql_names(self) -> Mapping[str, str]: ...  # entity name -> GraphQL type name
    @property
    def edges(self) -> Mapping[str, Mapping[str, EdgeField]]: ...
    @property
    def filter_specs(self) -> Mapping[str, FilterSpec]: ...
    @property
    def order_specs(self) -> Mapping[str, OrderSpec]: ...
    @property
    def selections(self) -> SelectionCache: ...
    @property
    def query_reach(self) -> Mapping[str, Any]: ...
    @property
    def subscription_reach(self) -> Mapping[str, Any]: ...


def type_registry(info: GraphQLResolveInfo) -> ReadTypes:
    return info.schema.extensions[TYPES_KEY]


VariablesIn = Callable[[list[FieldNode], Mapping[str, Any]], tuple[str, ...]]


class SelectionCache:
    """Built selections and the variables each field node's selection set reads, kept with the node."""

    def __init__(self, variables_in: VariablesIn, size: int = _CACHE_SIZE) -> None:
        self.variables_in = variables_in  # the variables a selection set reads (schema/selection.py)
        self._selections = NodeCache(size)
        self._variables = NodeCache(size)

    def variables_used(self, nodes: list[FieldNode], fragments: Mapping[str, Any]) -> tuple[str, ...]:
        names = self._variables.get(nodes[0], None)
        if names is MISSING:
            names = self.variables_in(nodes, fragments)
            self._variables.put(nodes[0], None, names)
        return names

    def get(self, key: tuple[Any, ...], node: FieldNode) -> Selection | None:
        selection = self._selections.get(node, key)
        return None if selection is MISSING else selection

    def put(self, key: tuple[Any, ...], node: FieldNode, selection: Selection) -> None:
        self._selections.put(node, key, selection)
