"""A root field's selection set turned into ONE query-graph request, run once; nested fields read rows.

The walk covers fragments, inline fragments, aliases (children are keyed by response key, so two
aliases of one relation with different arguments load independently), variables and @skip/@include.
Built selections are cached per field node and the values of the variables used INSIDE its selection
set, so a repeated document (the parser cache hands back the same AST) skips the walk even when its
root arguments (an id, a filter, skip and take) change: those are bound into the query graph's cached
plan as parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLIncludeDirective,
    GraphQLNonNull,
    GraphQLResolveInfo,
    GraphQLSkipDirective,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values

from paymentgraph.errors import not_found
from paymentgraph.identity.principal import Principal
from paymentgraph.query.rows import Unshaped
from paymentgraph.query.selection import Child, Output, OutputField, Request, Selection
from paymentgraph.schema.context import principal_of
from paymentgraph.schema.filters import convert_filter
from paymentgraph.schema.ordering import convert_order
from paymentgraph.schema.plans import ReadTypes, type_registry
from paymentgraph.schema.shaping import (
    ShapedList,
    ShapedRow,
    child_field,
    column_field,
    completes_shaped,
    typename_field,
)

MAX_TAKE = 1000
DEFAULT_TAKE = 20


def raw_info(info: Any) -> GraphQLResolveInfo:
    """graphql-core's resolve info, from itself or from strawberry's ``Info``."""
    return getattr(info, "_raw_info", info)


def _coerced(variables: Any) -> dict[str, Any]:
    return variables if isinstance(variables, dict) else variables.coerced


def check_take(value: Any, where: str) -> int | None:
    """``take`` as given, refused above :data:`MAX_TAKE` (and below zero) with a clear error."""
    if value is None:
        return None
    if value > MAX_TAKE:
        raise GraphQLError(
            f"take of {where} is {value}; the limit is {MAX_TAKE} rows per list",
            extensions={"code": "QUERY_TOO_COMPLEX", "limit": "take", "max": MAX_TAKE},
        )
    if value < 0:
        raise GraphQLError(
            f"take of {where} must not be negative, got {value}", extensions={"code": "INVALID_DATA"}
        )
    return int(value)


def selection_for(info: Any, type_name: str, field_nodes: list[FieldNode] | None = None) -> Selection:
    """The query-graph selection for the fields selected on ``type_name`` under ``field_nodes``.

    ``field_nodes`` defaults to the resolving field's nodes (its selection set is on ``type_name``).
    """
    raw = raw_info(info)
    nodes = field_nodes if field_nodes is not None else raw.field_nodes
    types = type_registry(raw)
    variables = _coerced(raw.variable_values)
    used = types.selections.variables_used(nodes, raw.fragments) if variables else ()
    key = (id(nodes[0]), type_name, repr([variables.get(name) for name in used]) if used else "")
    cached = types.selections.get(key, nodes[0])
    if cached is not None:
        return cached
    selection = _Walker(raw, types).selection(type_name, nodes)
    types.selections.put(key, nodes[0], selection)
    return selection


def variables_in(nodes: list[FieldNode], fragments: Mapping[str, Any]) -> tuple[str, ...]:
    """The variables read by the selection sets of ``nodes`` (arguments and directives, through
    fragments), in first-use order; the nodes' own arguments are not part of their selection."""
    names: dict[str, None] = {}
    seen_fragments: set[str] = set()

    def value(node: Any) -> None:
        if isinstance(node, VariableNode):
            names[node.name.value] = None
        elif isinstance(node, ListValueNode):
            for item in node.values:
                value(item)
        elif isinstance(node, ObjectValueNode):
            for object_field in node.fields:
                value(object_field.value)

    def directives(node: Any) -> None:
        for directive in node.directives or ():
            for argument in directive.arguments or ():
                value(argument.value)

    def visit(selection_set: SelectionSetNode | None) -> None:
        for node in selection_set.selections if selection_set is not None else ():
            directives(node)
            if isinstance(node, FieldNode):
                for argument in node.arguments or ():
                    value(argument.value)
                visit(node.selection_set)
            elif isinstance(node, InlineFragmentNode):
                visit(node.selection_set)
            elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen_fragments:
                seen_fragments.add(node.name.value)
                fragment = fragments.get(node.name.value)
                if fragment is not None:
                    visit(getattr(fragment, "definition", fragment).selection_set)

    for node in nodes:
        visit(node.selection_set)
    return tuple(names)


class _Walker:
    def __init__(self, info: GraphQLResolveInfo, types: ReadTypes) -> None:
        self.info = info
        self.types = types
        # Strawberry hands resolvers the plain coerced dict; graphql-core's helpers want its container.
        coerced = _coerced(info.variable_values)
        self.variables = VariableValues(sources={}, coerced=coerced)

    def selection(self, type_name: str, nodes: list[FieldNode]) -> Selection:
        plan = self.types.plans[type_name]
        entity = self.types.registry.entities[plan.entity]
        selection = Selection(plan.entity, {entity.primary_key})
        fields = self.info.schema.type_map[type_name].fields  # type: ignore[attr-defined]
        # The response shape (schema/shaping.py), while every field is a plain read; None once one is not.
        output: list[OutputField] | None = []
        for key, field_nodes in self.collect(type_name, nodes).items():
            name = field_nodes[0].name.value
            field_plan = plan.fields.get(name)
            if field_plan is None:
                if output is not None:
                    output.append(typename_field(key, type_name))  # __typename: nothing else lacks a plan
                continue
            if field_plan.kind == "column":
                selection.columns.add(field_plan.column)
                if output is not None:
                    output.append(column_field(key, field_plan.column, fields[name].type))
            elif field_plan.kind == "computed":
                selection.columns.update(field_plan.requires)
                output = None
            else:
                edge = field_plan.edge
                assert edge is not None
                target_type = self.types.graphql_names[edge.target]
                child = Child(edge.name, self.selection(target_type, field_nodes))
                child_output = child.selection.output
                if output is not None and child_output is not None:
                    required = not edge.many and isinstance(fields[name].type, GraphQLNonNull)
                    output.append(child_field(key, child_output, required))
                else:
                    output = None
                if edge.many:
                    args = get_argument_values(fields[name], field_nodes[0], self.variables)
                    child.filters = (
                        convert_filter(self.types.filter_specs, edge.target, args.get("filter")) or None
                    )
                    child.order = (
                        convert_order(self.types.order_specs, edge.target, args.get("orderBy")) or None
                    )
                    child.take = check_take(args.get("take"), f"{type_name}.{name}")
                selection.children[key] = child
        selection.output = Output(tuple(output)) if output is not None else None
        return selection

    def collect(self, type_name: str, nodes: list[FieldNode]) -> dict[str, list[FieldNode]]:
        """Sub-fields by response key, through fragments, honouring @skip and @include."""
        grouped: dict[str, list[FieldNode]] = {}
        seen_fragments: set[str] = set()
        for node in nodes:
            self._visit(node.selection_set, type_name, grouped, seen_fragments)
        return grouped

    # A method, not a closure calling itself: such a closure is a reference cycle, which would keep the
    # request's resolve info, and through it all of the request's objects, waiting for the cyclic GC.
    def _visit(
        self,
        selection_set: SelectionSetNode | None,
        type_name: str,
        grouped: dict[str, list[FieldNode]],
        seen_fragments: set[str],
    ) -> None:
        if selection_set is None:
            return
        for node in selection_set.selections:
            if node.directives and not self.included(node):
                continue
            if isinstance(node, FieldNode):
                key = node.alias.value if node.alias else node.name.value
                grouped.setdefault(key, []).append(node)
            elif isinstance(node, InlineFragmentNode):
                if node.type_condition is None or node.type_condition.name.value == type_name:
                    self._visit(node.selection_set, type_name, grouped, seen_fragments)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.info.fragments.get(name)
                if name in seen_fragments or fragment is None:
                    continue
                seen_fragments.add(name)
                fragment = getattr(fragment, "definition", fragment)
                if fragment.type_condition.name.value == type_name:
                    self._visit(fragment.selection_set, type_name, grouped, seen_fragments)

    def included(self, node: Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include and include.get("if") is False)


def read_on_behalf(request: Request, principal: Principal) -> Request:
    """``request`` read on behalf of ``principal``: owned rows narrowed to theirs unless the admin asks."""
    if not principal.is_admin:
        request.owned = True
        request.owner = principal.customer_id
    return request


async def load_one(
    info: Any, entity: str, id: str, *, principal: Principal | None = None
) -> dict[str, Any] | None:
    """The row of ``entity`` with ``id`` shaped by the resolving field's selection set (None if absent).

    Read on behalf of the request's principal (or ``principal``): a row it does not own is absent.
    """
    raw = raw_info(info)
    type_name = get_named_type(raw.return_type).name
    types = type_registry(raw)
    _check_entity(types, type_name, entity)
    primary_key = types.registry.entities[entity].primary_key
    request = Request(selection_for(raw, type_name), filters={primary_key: id})
    result = await _run(raw, read_on_behalf(request, principal or principal_of(raw.context)))
    rows = result["data"]
    if not rows:
        return None
    output = request.selection.output
    return ShapedRow(rows[0], output.signature) if request.shaped and output is not None else rows[0]


async def _run(info: GraphQLResolveInfo, request: Request) -> dict[str, Any]:
    """Run ``request``, shaped for the response when the executor takes shaped rows and every level of
    the selection has an output (schema/shaping.py); a value that cannot be shaped reads it again
    column-keyed, and the executor reports that value as it always does."""
    query = info.context.pg.query
    request.shaped = request.selection.output is not None and completes_shaped(info)
    if request.shaped:
        try:
            return await query.run(request)
        except Unshaped:
            request.shaped = False
    return await query.run(request)


def only_the_key(info: Any, entity: str) -> str | None:
    """The primary key's name when the resolving field selects nothing of ``entity`` but its key."""
    raw = raw_info(info)
    type_name = get_named_type(raw.return_type).name
    types = type_registry(raw)
    _check_entity(types, type_name, entity)
    primary_key = types.registry.entities[entity].primary_key
    selection = selection_for(raw, type_name)
    return primary_key if not selection.children and selection.columns <= {primary_key} else None


async def load_nested(
    info: Any, field_name: str, entity: str, id: str, *, principal: Principal | None = None
) -> dict[str, Any] | None:
    """Row ``id`` of ``entity`` shaped by what the resolving field selects under its ``field_name``.

    For a hand-written result type holding an entity (``CustomerSession.customer``).
    """
    raw = raw_info(info)
    types = type_registry(raw)
    parent = get_named_type(raw.return_type).name
    collected = _Walker(raw, types).collect(parent, raw.field_nodes)
    nodes = [node for group in collected.values() for node in group if node.name.value == field_name]
    entity_def = types.registry.entities[entity]
    if not nodes:
        return {entity_def.primary_key: id}
    request = Request(
        selection_for(raw, types.graphql_names[entity], nodes), filters={entity_def.primary_key: id}
    )
    result = await raw.context.pg.query.run(read_on_behalf(request, principal or principal_of(raw.context)))
    rows = result["data"]
    return rows[0] if rows else None


async def require_reachable(info: Any, entity: str, id: object, through: str | None = None) -> None:
    """NOT_FOUND unless the request's principal may see ``entity`` ``id`` (and its ``through`` relation).

    What a mutation acts on must exist for its caller: a customer's cart is not found by anyone else.
    """
    raw = raw_info(info)
    principal = principal_of(raw.context)
    if principal.is_admin:
        return
    types = type_registry(raw)
    entity_def = types.registry.entities[entity]
    selection = Selection(entity, {entity_def.primary_key})
    if through is not None:
        edge = types.edges[entity][through]
        target = types.registry.entities[edge.target]
        selection.children[through] = Child(through, Selection(target.name, {target.primary_key}))
    request = Request(selection, filters={entity_def.primary_key: id})
    rows = (await raw.context.pg.query.run(read_on_behalf(request, principal)))["data"]
    if not rows:
        raise not_found(entity_def.graphql_name, str(id))
    if through is not None and not rows[0][through]:
        raise not_found(entity_def.graphql_name, str(id))


async def load_page(
    info: Any,
    entity: str,
    filters: Mapping[str, Any] | None,
    order: Mapping[str, Any] | None,
    skip: int | None,
    take: int | None,
) -> dict[str, Any]:
    """``{"items", "count", "skip", "take"}`` of a root list field; filters and order: query-graph dicts."""
    raw = raw_info(info)
    list_type = get_named_type(raw.return_type)
    types = type_registry(raw)
    type_name = types.graphql_names[entity]
    skip = 0 if skip is None else skip
    take = DEFAULT_TAKE if take is None else check_take(take, raw.field_name)
    if skip < 0:
        raise GraphQLError(f"skip must not be negative, got {skip}", extensions={"code": "INVALID_DATA"})
    collected = _Walker(raw, types).collect(list_type.name, raw.field_nodes)
    items_nodes = [node for nodes in collected.values() for node in nodes if node.name.value == "items"]
    if items_nodes:
        selection = selection_for(raw, type_name, items_nodes)
    else:  # only count (or skip/take) asked for: read no rows
        selection = Selection(entity, {types.registry.entities[entity].primary_key})
    with_count = any(nodes[0].name.value == "count" for nodes in collected.values())
    request = Request(
        selection,
        dict(filters) if filters else None,
        skip=skip,
        take=take if items_nodes else 0,
        order=dict(order) if order else None,
        with_count=with_count,
    )
    result = await _run(raw, read_on_behalf(request, principal_of(raw.context)))
    count = result.get("metadata", {}).get("count") if with_count else None
    items = result["data"]
    if request.shaped and selection.output is not None:
        items = ShapedList(items, selection.output.signature)
    return {"items": items, "count": count, "skip": skip, "take": take}


def _check_entity(types: ReadTypes, type_name: str, entity: str) -> None:
    plan = types.plans.get(type_name)
    if plan is None or plan.entity != entity:
        raise TypeError(f"the resolving field returns {type_name}, not the {entity} entity")


def read_loaded(source: Any, info: GraphQLResolveInfo, **_args: Any) -> Any:
    """Relation and link fields: the value the plan stored under this field's response key."""
    try:
        return source[info.path.key]
    except (KeyError, TypeError):
        raise RuntimeError(
            f"{info.parent_type.name}.{info.field_name} ({info.path.key}) was not loaded: "
            "return rows from load_one/load_page so nested fields come from the same plan"
        ) from None
