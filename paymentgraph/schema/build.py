"""The GraphQL schema generated from the entity and link registries, and its SDL (``schema.graphql``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry.extensions import ParserCache
from strawberry.schema.config import StrawberryConfig

from paymentgraph.links.definition import camel
from paymentgraph.links.registry import Registry, default_registry
from paymentgraph.schema.fastexec import NAME_IS_DICT_KEY
from paymentgraph.schema.filters import FilterSpec, filter_input
from paymentgraph.schema.links import EdgeField, edge_fields
from paymentgraph.schema.ordering import OrderSpec, SortDirection, order_input
from paymentgraph.schema.plans import TYPES_KEY, SelectionCache
from paymentgraph.schema.queries import query_type
from paymentgraph.schema.scalars import SCALAR_MAP
from paymentgraph.schema.selection import read_loaded, variables_in
from paymentgraph.schema.types import (
    DeleteResult,
    FieldPlan,
    Namespace,
    PaymentMethod,
    TypePlan,
    computed_field,
    list_type,
    new_namespace,
    object_type,
)
from paymentgraph.schema.validation import Validation

DEFAULT_EXTENSIONS: tuple[Any, ...] = (ParserCache, Validation)
_HOLDER_COLUMNS = ("id", "provider_id", "external_id", "email", "data", "metadata")
# The entities the Subscription root serves (a registry without them gets no Subscription type).
_LIVE_ENTITIES = {"payment_collection", "event"}


class TypeRegistry:
    """The strawberry types generated for one registry, and what the resolvers need to plan a read."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.ns: Namespace = new_namespace()
        self.ns["SortDirection"] = SortDirection
        self.edges: dict[str, dict[str, EdgeField]] = edge_fields(registry)
        self.graphql_names = {name: e.graphql_name for name, e in registry.entities.items()}
        self.plans: dict[str, TypePlan] = {}  # GraphQL object type name -> plan
        self.filter_specs: dict[str, FilterSpec] = {}
        self.order_specs: dict[str, OrderSpec] = {}
        self.selections = SelectionCache(variables_in)
        self.delete_result: type = DeleteResult
        self.payment_method: type = PaymentMethod
        # (type name, field name) -> graphql-core resolver, installed on the built schema.
        self.resolvers: dict[tuple[str, str], Callable[..., Any]] = {}
        self._objects: dict[str, type] = {}
        self._filters: dict[str, type] = {}
        self._orders: dict[str, type] = {}
        self._lists: dict[str, type] = {}
        for entity in registry.entities.values():
            edges = self.edges[entity.name]
            cls, plan = object_type(self.ns, entity, edges, self.graphql_names, self._extras(entity.name))
            self._objects[entity.name] = cls
            self.plans[entity.graphql_name] = plan
            self._filters[entity.name], self.filter_specs[entity.name] = filter_input(
                self.ns, entity, edges, self.graphql_names
            )
            self._orders[entity.name], self.order_specs[entity.name] = order_input(
                self.ns, entity, edges, self.graphql_names
            )
            self._lists[entity.name] = list_type(self.ns, entity.graphql_name)
            for edge in edges.values():
                self.resolvers[(entity.graphql_name, camel(edge.name))] = read_loaded
            for f in entity.fields:
                self.resolvers[(entity.graphql_name, camel(f.name))] = column_reader(f.name)
        self.query, root_resolvers, self.query_reach = query_type(self.ns, registry)
        for name, resolver in root_resolvers.items():
            self.resolvers[("Query", name)] = resolver
        self.subscription: type | None = None
        self.subscription_reach: dict[str, Any] = {}
        # (field name) -> graphql-core subscribe function of Subscription, installed after the build.
        self.subscribers: dict[str, Callable[..., Any]] = {}
        if set(registry.entities) >= _LIVE_ENTITIES:
            from paymentgraph.schema.subscriptions import pass_through, subscription_type

            self.subscription, self.subscribers, self.subscription_reach = subscription_type(self.ns)
            for name in self.subscribers:
                self.resolvers[("Subscription", name)] = pass_through
        self.ns.finalize()

    def _extras(self, entity: str) -> list[tuple[Any, FieldPlan]]:
        if entity != "account_holder":
            return []
        field = computed_field(self.ns, "payment_methods", "list[PaymentMethod]", _HOLDER_COLUMNS)
        self.resolvers[("AccountHolder", "paymentMethods")] = resolve_payment_methods
        return [field]

    def object_type(self, entity: str) -> type:
        """The object type of ``entity`` (e.g. "payment" -> Payment)."""
        return self._objects[self.registry.entity(entity).name]

    def filter_input(self, entity: str) -> type:
        return self._filters[self.registry.entity(entity).name]

    def order_input(self, entity: str) -> type:
        return self._orders[self.registry.entity(entity).name]

    def list_type(self, entity: str) -> type:
        """``<E>List {items count skip take}``."""
        return self._lists[self.registry.entity(entity).name]

    def enum(self, name: str) -> type:
        """A generated enum by GraphQL name, e.g. "PaymentCollectionStatus" or "SortDirection"."""
        value = self.ns.get(name)
        if value is None or not hasattr(value, "__members__"):
            raise KeyError(f"no generated enum named {name!r}")
        return value

    def install(self, schema: strawberry.Schema) -> None:
        """Put the raw resolvers on the built graphql-core schema and make this registry findable."""
        gql = schema._schema
        for (type_name, field_name), resolver in self.resolvers.items():
            graphql_type = gql.type_map[type_name]
            assert isinstance(graphql_type, GraphQLObjectType)
            graphql_type.fields[field_name].resolve = resolver
        if self.subscribers:
            subscription = gql.type_map["Subscription"]
            assert isinstance(subscription, GraphQLObjectType)
            for field_name, subscribe in self.subscribers.items():
                subscription.fields[field_name].subscribe = subscribe
        gql.extensions = {**(gql.extensions or {}), TYPES_KEY: self}


async def resolve_payment_methods(source: Any, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    """AccountHolder.paymentMethods: asked of the holder's provider (one call per holder)."""
    holder = {key: source.get(key) for key in _HOLDER_COLUMNS}
    provider_id = holder["provider_id"]
    methods = await info.context.pg.payment.list_payment_methods(
        provider_id=provider_id, context={"account_holder": holder}
    )
    return [
        {"id": m.id, "provider_id": getattr(m, "provider_id", None) or provider_id, "data": m.data}
        for m in methods
    ]


def column_reader(name: str) -> Callable[..., Any]:
    """A generated scalar field's resolver: one dict read (skips strawberry's per-field wrapper)."""

    def read(source: Any, _info: Any) -> Any:
        try:
            return source[name]
        except KeyError:
            return None
        except TypeError:  # a DTO handed back by a mutation
            return getattr(source, name)

    # Same result as strawberry's basic-field path (read_field on the python name), so executors that
    # shortcut "default" leaves (fastexec.py) may keep treating these fields as plain.
    read._is_default = True  # type: ignore[attr-defined]
    return read


def read_field(source: Any, name: str) -> Any:
    """The default resolver: rows are dicts with snake_case keys; DTOs and other objects by attribute."""
    try:
        return source[name]
    except KeyError:
        return None
    except TypeError:
        return getattr(source, name)


# For a dict source it is ``source.get(name)``: the fast executor reads such fields without the call.
setattr(read_field, NAME_IS_DICT_KEY, True)


def schema_config(config: StrawberryConfig | None = None) -> StrawberryConfig:
    """``config`` with the project's scalars and the dict-reading default resolver."""
    base = config or StrawberryConfig()
    return dataclasses.replace(
        base, default_resolver=read_field, scalar_map={**SCALAR_MAP, **(base.scalar_map or {})}
    )


def build_schema(
    registry: Registry | TypeRegistry | None = None,
    *,
    mutation_factory: Callable[[TypeRegistry], type] | None = None,
    extensions: Sequence[Any] = (),
    config: StrawberryConfig | None = None,
    execution_context_class: type | None = None,
) -> strawberry.Schema:
    """The schema for ``registry`` (default: the built-in one); ParserCache and Validation included.

    ``registry`` may be a TypeRegistry already built (so a mutation factory sees the same types).
    """
    types = registry if isinstance(registry, TypeRegistry) else TypeRegistry(registry or default_registry())
    mutation = mutation_factory(types) if mutation_factory is not None else None
    present = set(extensions)
    schema = strawberry.Schema(
        query=types.query,
        mutation=mutation,
        subscription=types.subscription,
        types=[DeleteResult, PaymentMethod],
        extensions=[*[e for e in DEFAULT_EXTENSIONS if e not in present], *extensions],
        config=schema_config(config),
        execution_context_class=execution_context_class,
    )
    types.install(schema)
    return schema


def types_of(schema: strawberry.Schema) -> TypeRegistry:
    """The TypeRegistry a schema was built from."""
    return schema._schema.extensions[TYPES_KEY]
