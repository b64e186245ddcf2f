"""Order inputs generated per entity, and their conversion to the query graph's order dicts.

``orderBy: [{createdAt: DESC}, {cart: {email: ASC}}]`` becomes
``{"created_at": "DESC", "cart": {"email": "ASC"}}``: the list gives the priority.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry.types.field import StrawberryField
from strawberry.types.unset import UNSET

from paymentgraph.db.entity import EntityDef, FieldKind
from paymentgraph.links.definition import camel
from paymentgraph.schema.links import EdgeField
from paymentgraph.schema.types import Namespace


@strawberry.enum
class SortDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


@dataclass
class OrderSpec:
    """How to convert one entity's order input: GraphQL key -> column name or single-valued edge."""

    entity: str
    columns: dict[str, str] = field(default_factory=dict)
    edges: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (edge name, target entity)


def order_input(
    ns: Namespace, entity: EntityDef, edges: dict[str, EdgeField], graphql_names: dict[str, str]
) -> tuple[type, OrderSpec]:
    """``<E>OrderBy``: a SortDirection per sortable scalar field, and the order input of single edges."""
    name = f"{entity.graphql_name}OrderBy"
    spec = OrderSpec(entity.name)
    fields: list[StrawberryField] = []
    for f in entity.fields:
        if f.kind is FieldKind.JSON:
            continue
        fields.append(_field(ns, f.name, "SortDirection"))
        spec.columns[camel(f.name)] = f.name
    for edge in edges.values():
        if edge.many:
            continue
        fields.append(_field(ns, edge.name, f"{graphql_names[edge.target]}OrderBy"))
        spec.edges[camel(edge.name)] = (edge.name, edge.target)
    return ns.create(name, fields, f"Sort keys of {entity.graphql_name}.", is_input=True), spec


def _field(ns: Namespace, python_name: str, expr: str) -> StrawberryField:
    return StrawberryField(
        python_name=python_name,
        graphql_name=camel(python_name),
        type_annotation=ns.annotation(f"{expr} | None"),
        default=UNSET,
    )


def convert_order(
    specs: Mapping[str, OrderSpec], entity: str, items: Iterable[Mapping[str, Any] | None] | None
) -> dict[str, Any]:
    """The order dict for a coerced ``[<E>OrderBy!]`` value (earlier items sort first)."""
    out: dict[str, Any] = {}
    for item in items or ():
        if item:
            _merge(out, _convert(specs, entity, item))
    return out


def _convert(specs: Mapping[str, OrderSpec], entity: str, item: Mapping[str, Any]) -> dict[str, Any]:
    spec = specs[entity]
    out: dict[str, Any] = {}
    for key, value in item.items():
        if value is None:
            continue
        if key in spec.columns:
            out[spec.columns[key]] = value.value if isinstance(value, enum.Enum) else str(value)
        else:
            edge_name, target = spec.edges[key]
            nested = _convert(specs, target, value)
            if nested:
                out[edge_name] = nested
    return out


def _merge(into: dict[str, Any], extra: Mapping[str, Any]) -> None:
    # A key given twice keeps its first (higher-priority) direction.
    for key, value in extra.items():
        if key not in into:
            into[key] = value
        elif isinstance(into[key], dict) and isinstance(value, Mapping):
            _merge(into[key], value)
