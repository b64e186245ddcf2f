"""Root queries for every entity: ``e(id: ID!): E`` and ``es(filter, orderBy, skip, take): EList!``."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField
from strawberry.types.unset import UNSET

from paymentgraph.db.entity import EntityDef
from paymentgraph.db.reach import ADMIN_ONLY
from paymentgraph.links.definition import camel
from paymentgraph.schema.filters import convert_filter
from paymentgraph.schema.ordering import convert_order
from paymentgraph.schema.reach import RootReach
from paymentgraph.schema.selection import DEFAULT_TAKE, load_one, load_page, type_registry
from paymentgraph.schema.types import Namespace

if TYPE_CHECKING:
    from paymentgraph.links.registry import Registry

RawResolver = Callable[..., Coroutine[Any, Any, Any]]


def root_names(entity: EntityDef) -> tuple[str, str]:
    """(single, list) root field names, e.g. ("paymentCollection", "paymentCollections")."""
    return camel(entity.name), camel(entity.plural_name)


def query_type(
    ns: Namespace, registry: Registry
) -> tuple[type, dict[str, RawResolver], dict[str, RootReach]]:
    """The Query type, the graphql-core resolver of each of its fields (installed after the build) and
    who may use each: ``e(id:)`` as the entity's reach declares, every list the admin's."""
    fields: list[StrawberryField] = []
    resolvers: dict[str, RawResolver] = {}
    reach: dict[str, RootReach] = {}
    for entity in registry.entities.values():
        single, many = root_names(entity)
        gql = entity.graphql_name
        one = StrawberryField(
            python_name=entity.name,
            graphql_name=single,
            type_annotation=ns.annotation(f"{gql} | None"),
            description=f"One {gql} by id (null when there is none).",
        )
        one.arguments = [StrawberryArgument("id", "id", ns.annotation("ID"))]
        page = StrawberryField(
            python_name=entity.plural_name,
            graphql_name=many,
            type_annotation=ns.annotation(f"{gql}List"),
            description=f"A filtered, ordered page of {gql} rows with the total count.",
        )
        page.arguments = [
            StrawberryArgument("filter", "filter", ns.annotation(f"{gql}Filter | None"), default=UNSET),
            StrawberryArgument(
                "order_by", "orderBy", ns.annotation(f"list[{gql}OrderBy] | None"), default=UNSET
            ),
            StrawberryArgument("skip", "skip", ns.annotation("int | None"), default=0),
            StrawberryArgument("take", "take", ns.annotation("int | None"), default=DEFAULT_TAKE),
        ]
        fields += [one, page]
        resolvers[single] = _one_resolver(entity.name)
        resolvers[many] = _page_resolver(entity)
        reach[single] = RootReach(entity.reach.by_id)
        reach[many] = RootReach(ADMIN_ONLY)
    # Static fields beside the generated ones (imported here: resolvers import schema modules).
    from paymentgraph.resolvers.identity import query_fields
    from paymentgraph.resolvers.webhook_events import resolve_webhook_events, webhook_events_field

    fields.append(webhook_events_field())
    resolvers["webhookEvents"] = resolve_webhook_events
    reach["webhookEvents"] = RootReach(ADMIN_ONLY)
    from paymentgraph.resolvers.webhook_endpoints import query_fields as webhook_endpoint_fields

    for field, resolver, root_reach in [*query_fields(ns), *webhook_endpoint_fields(ns)]:
        fields.append(field)
        resolvers[field.graphql_name or field.python_name] = resolver
        reach[field.graphql_name or field.python_name] = root_reach
    from paymentgraph.resolvers.events import admin_query_fields

    for name, (field, resolver) in admin_query_fields().items():
        fields.append(field)
        resolvers[name] = resolver
        reach[name] = RootReach(ADMIN_ONLY)
    return ns.create("Query", fields), resolvers, reach


def _one_resolver(entity: str) -> RawResolver:
    async def resolve(_root: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any] | None:
        return await load_one(info, entity, id)

    return resolve


def _page_resolver(entity: EntityDef) -> RawResolver:
    default_order = entity.default_order
    name = entity.name

    async def resolve(_root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        types = type_registry(info)
        filters = convert_filter(types.filter_specs, name, args.get("filter"))
        order = convert_order(types.order_specs, name, args.get("orderBy")) or default_order
        return await load_page(info, name, filters, order, args.get("skip"), args.get("take"))

    return resolve
