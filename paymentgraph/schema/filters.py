"""Filter inputs generated per entity, and their conversion to the query graph's Medusa filter dicts.

``{currencyCode: {eq: "usd"}, cart: {email: {ilike: "%@x.com"}}, or: [...]}`` becomes
``{"currency_code": {"$eq": "usd"}, "cart": {"email": {"$ilike": "%@x.com"}}, "$or": [...]}``.
Conversion works on the plain dicts graphql-core coerces input objects into (keys are GraphQL names).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from strawberry.types.field import StrawberryField
from strawberry.types.unset import UNSET

from paymentgraph.db.entity import EntityDef, FieldKind
from paymentgraph.links.definition import camel
from paymentgraph.schema.links import EdgeField
from paymentgraph.schema.types import Namespace, enum_type, scalar_type

# GraphQL operator name -> (Medusa operator, takes a list, python name).
_OPS: dict[str, tuple[str, bool, str]] = {
    "eq": ("$eq", False, "eq"),
    "ne": ("$ne", False, "ne"),
    "gt": ("$gt", False, "gt"),
    "gte": ("$gte", False, "gte"),
    "lt": ("$lt", False, "lt"),
    "lte": ("$lte", False, "lte"),
    "in": ("$in", True, "in_"),
    "nin": ("$nin", True, "nin"),
    "like": ("$like", False, "like"),
    "ilike": ("$ilike", False, "ilike"),
    "isNull": ("$is_null", False, "is_null"),
}

# The operators of each operator input, in the contract's order.
OPERATOR_INPUTS: dict[str, tuple[str, ...]] = {
    "StringFilter": ("eq", "ne", "in", "nin", "like", "ilike", "isNull"),
    "IDFilter": ("eq", "ne", "in", "nin", "isNull"),
    "DecimalFilter": ("eq", "ne", "gt", "gte", "lt", "lte", "in", "isNull"),
    "DateTimeFilter": ("eq", "gt", "gte", "lt", "lte", "isNull"),
    "IntFilter": ("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "isNull"),
    "BooleanFilter": ("eq", "ne", "isNull"),
}
ENUM_OPERATORS = ("eq", "ne", "in", "nin")

# The escaping rule lives in query/filters.py; GraphiQL shows it next to the operators.
_LIKE_RULE = (
    "% matches any text, _ one character; a backslash makes the next %, _ or backslash literal "
    "(any other backslash is INVALID_DATA)."
)
_DESCRIPTIONS = {
    "like": "A SQL LIKE pattern, case-sensitive: " + _LIKE_RULE,
    "ilike": "A SQL LIKE pattern, ignoring case: " + _LIKE_RULE,
}

_FILTER_OF_KIND = {
    FieldKind.ID: "IDFilter",
    FieldKind.STRING: "StringFilter",
    FieldKind.INT: "IntFilter",
    FieldKind.BOOL: "BooleanFilter",
    FieldKind.DECIMAL: "DecimalFilter",
    FieldKind.DATETIME: "DateTimeFilter",
}


@dataclass
class FilterSpec:
    """How to convert one entity's filter input: GraphQL key -> column name or edge."""

    entity: str
    columns: dict[str, str] = field(default_factory=dict)
    edges: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (edge name, target entity)


def operator_input(ns: Namespace, name: str, value_type: str, operators: tuple[str, ...]) -> type:
    if name in ns:
        return ns[name]
    fields = []
    for op in operators:
        _, many, python_name = _OPS[op]
        expr = "bool" if op == "isNull" else (f"list[{value_type}]" if many else value_type)
        fields.append(
            StrawberryField(
                python_name=python_name,
                graphql_name=op,
                type_annotation=ns.annotation(f"{expr} | None"),
                default=UNSET,
                description=_DESCRIPTIONS.get(op),
            )
        )
    return ns.create(name, fields, is_input=True)


def filter_input(
    ns: Namespace, entity: EntityDef, edges: dict[str, EdgeField], graphql_names: dict[str, str]
) -> tuple[type, FilterSpec]:
    """``<E>Filter``: an operator input per filterable scalar field, the edges' filters, and/or/not."""
    name = f"{entity.graphql_name}Filter"
    spec = FilterSpec(entity.name)
    fields: list[StrawberryField] = []

    def add(python_name: str, graphql_name: str, expr: str) -> None:
        fields.append(
            StrawberryField(
                python_name=python_name,
                graphql_name=graphql_name,
                type_annotation=ns.annotation(f"{expr} | None"),
                default=UNSET,
            )
        )

    for f in entity.fields:
        if f.kind is FieldKind.JSON:
            continue
        if f.kind is FieldKind.ENUM:
            value_type = scalar_type(entity, f.kind, f.enum_name)
            enum_type(ns, value_type, f.enum_values)
            op_input = f"{value_type}Filter"
            operator_input(ns, op_input, value_type, ENUM_OPERATORS)
        else:
            op_input = _FILTER_OF_KIND[f.kind]
            operator_input(ns, op_input, scalar_type(entity, f.kind, None), OPERATOR_INPUTS[op_input])
        add(f.name, camel(f.name), op_input)
        spec.columns[camel(f.name)] = f.name
    for edge in edges.values():
        add(edge.name, camel(edge.name), f"{graphql_names[edge.target]}Filter")
        spec.edges[camel(edge.name)] = (edge.name, edge.target)
    add("and_", "and", f"list[{name}]")
    add("or_", "or", f"list[{name}]")
    add("not_", "not", name)
    description = (
        f"Filters {entity.graphql_name} rows; a relation or link matches when a related row matches."
    )
    cls = ns.create(name, fields, description, is_input=True)
    return cls, spec


def convert_filter(
    specs: Mapping[str, FilterSpec], entity: str, value: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The Medusa filter dict for a coerced ``<E>Filter`` value (empty when nothing is set)."""
    if not value:
        return {}
    spec = specs[entity]
    out: dict[str, Any] = {}
    for key, item in value.items():
        if item is None:
            continue
        if key == "and" or key == "or":
            out[f"${key}"] = [convert_filter(specs, entity, part) for part in item if part is not None]
        elif key == "not":
            out["$not"] = convert_filter(specs, entity, item)
        elif key in spec.columns:
            ops = _convert_operators(item)
            if ops:
                out[spec.columns[key]] = ops
        else:
            edge_name, target = spec.edges[key]
            out[edge_name] = convert_filter(specs, target, item)
    return out


def _convert_operators(value: Mapping[str, Any]) -> dict[str, Any]:
    ops: dict[str, Any] = {}
    for op, arg in value.items():
        if arg is None:
            continue
        medusa, many, _ = _OPS[op]
        ops[medusa] = [_plain(a) for a in arg] if many else _plain(arg)
    return ops


def _plain(value: Any) -> Any:
    # Enum inputs arrive as members whose values are the stored lower-case strings.
    return value.value if isinstance(value, enum.Enum) else value
