"""Object types, enums and list types generated from the entity declarations and link definitions.

Every generated field is a plain strawberry field with no resolver: scalar leaves read the row dict
through the schema's default resolver; relation and link fields get a raw graphql-core resolver
installed after the schema is built (see ``build.py``), which reads the value the plan stored under
the field's response key.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.tools import create_type
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField
from strawberry.types.unset import UNSET

from paymentgraph.db.entity import EntityDef, FieldKind
from paymentgraph.links.definition import camel
from paymentgraph.schema.links import EdgeField
from paymentgraph.schema.scalars import JSON, DateTimeValue, DecimalValue

SCALAR_TYPES: dict[FieldKind, str] = {
    FieldKind.ID: "ID",
    FieldKind.STRING: "str",
    FieldKind.INT: "int",
    FieldKind.BOOL: "bool",
    FieldKind.DECIMAL: "DecimalValue",
    FieldKind.DATETIME: "DateTimeValue",
    FieldKind.JSON: "JSON",
}


class Namespace(dict[str, Any]):
    """The generated types by GraphQL name; annotations are strings evaluated here (types refer in cycles).

    Strawberry evaluates annotations while a class is decorated, before the types it refers to exist,
    and replaces field annotations with namespace-less ones; :meth:`finalize` restores them once every
    type is in the namespace.
    """

    def __init__(self) -> None:
        super().__init__()
        self._annotations: list[StrawberryAnnotation] = []
        self._fields: list[tuple[StrawberryField, object]] = []

    def annotation(self, expr: str) -> StrawberryAnnotation:
        annotation = StrawberryAnnotation(expr, namespace=self)
        self._annotations.append(annotation)
        return annotation

    def add(self, name: str, obj: Any) -> Any:
        if name in self:
            raise ValueError(f"GraphQL type {name} is generated twice")
        self[name] = obj
        return obj

    def create(
        self, name: str, fields: list[StrawberryField], description: str | None = None, is_input: bool = False
    ) -> type:
        """A strawberry object (or input) type named ``name``, added to the namespace."""
        for f in fields:
            assert f.type_annotation is not None
            self._fields.append((f, f.type_annotation.raw_annotation))
        cls = create_type(name, fields, is_input=is_input, description=description)
        return self.add(name, cls)

    def finalize(self) -> None:
        """Point every generated annotation at this namespace again (call once all types exist)."""
        for f, expr in self._fields:
            f.type_annotation = StrawberryAnnotation(expr, namespace=self)
        for annotation in self._annotations:
            annotation.annotation = annotation.raw_annotation  # drops results cached before the types existed


@dataclass(frozen=True)
class FieldPlan:
    """What one GraphQL field of a generated object type reads.

    ``column``: a scalar column; ``edge``: a relation or link loaded by the plan under the response key;
    ``computed``: a resolver of its own that needs ``requires`` columns loaded.
    """

    kind: str  # "column" | "edge" | "computed"
    column: str = ""  # the column; for "computed", the field's own snake_case name
    edge: EdgeField | None = None
    requires: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The snake_case field name the entity's reach declarations use."""
        return self.edge.name if self.edge is not None else self.column


@dataclass
class TypePlan:
    """A generated object type: its entity and the plan of each GraphQL field (by GraphQL name)."""

    entity: str
    fields: dict[str, FieldPlan] = field(default_factory=dict)


@strawberry.type
class PaymentMethod:
    """A payment method saved with a provider for an account holder."""

    id: strawberry.ID
    provider_id: str
    data: JSON


@strawberry.type
class DeleteResult:
    """The outcome of a delete mutation."""

    id: strawberry.ID
    deleted: bool


def enum_type(ns: Namespace, name: str, values: tuple[str, ...]) -> type:
    """A GraphQL enum ``name`` with UPPER_CASE names whose values are the stored lower-case strings."""
    if name in ns:
        return ns[name]
    py_enum = enum.Enum(name, {v.upper(): v for v in values}, type=str)  # type: ignore[misc]
    return ns.add(name, strawberry.enum(py_enum))


def scalar_type(entity: EntityDef, kind: FieldKind, enum_name: str | None) -> str:
    if kind is FieldKind.ENUM:
        if enum_name is None:
            raise ValueError(f"{entity.name}: an enum field needs enum_name")
        return enum_name
    return SCALAR_TYPES[kind]


def list_arguments(ns: Namespace, target_graphql_name: str) -> list[StrawberryArgument]:
    """``filter``, ``orderBy`` and ``take`` of a list relation or link field."""
    return [
        StrawberryArgument(
            "filter", "filter", ns.annotation(f"{target_graphql_name}Filter | None"), default=UNSET
        ),
        StrawberryArgument(
            "order_by", "orderBy", ns.annotation(f"list[{target_graphql_name}OrderBy] | None"), default=UNSET
        ),
        StrawberryArgument("take", "take", ns.annotation("int | None"), default=UNSET),
    ]


def object_type(
    ns: Namespace,
    entity: EntityDef,
    edges: dict[str, EdgeField],
    graphql_names: dict[str, str],
    extras: list[tuple[StrawberryField, FieldPlan]],
) -> tuple[type, TypePlan]:
    """The object type of ``entity``: its scalar fields, then its relations and links, then ``extras``."""
    plan = TypePlan(entity.name)
    fields: list[StrawberryField] = []
    for f in entity.fields:
        expr = scalar_type(entity, f.kind, f.enum_name)
        if f.kind is FieldKind.ENUM:
            enum_type(ns, expr, f.enum_values)
        gql = camel(f.name)
        fields.append(
            StrawberryField(
                python_name=f.name,
                graphql_name=gql,
                type_annotation=ns.annotation(f"{expr} | None" if f.nullable else expr),
                description=f.description,
            )
        )
        plan.fields[gql] = FieldPlan("column", column=f.name)
    for edge in edges.values():
        target = graphql_names[edge.target]
        gql = camel(edge.name)
        if edge.many:
            strawberry_field = StrawberryField(
                python_name=edge.name, graphql_name=gql, type_annotation=ns.annotation(f"list[{target}]")
            )
            strawberry_field.arguments = list_arguments(ns, target)
        else:
            expr = f"{target} | None" if edge.nullable else target
            strawberry_field = StrawberryField(
                python_name=edge.name, graphql_name=gql, type_annotation=ns.annotation(expr)
            )
        fields.append(strawberry_field)
        plan.fields[gql] = FieldPlan("edge", edge=edge)
    for strawberry_field, field_plan in extras:
        fields.append(strawberry_field)
        plan.fields[strawberry_field.graphql_name or camel(strawberry_field.python_name)] = field_plan
    return ns.create(entity.graphql_name, fields, entity.description), plan


def list_type(ns: Namespace, graphql_name: str) -> type:
    """``<E>List { items: [E!]! count: Int! skip: Int! take: Int! }`` (count ignores skip/take)."""
    name = f"{graphql_name}List"
    fields = [
        StrawberryField(
            python_name="items", graphql_name="items", type_annotation=ns.annotation(f"list[{graphql_name}]")
        ),
        StrawberryField(
            python_name="count",
            graphql_name="count",
            type_annotation=ns.annotation("int"),
            description="How many rows match the filter, ignoring skip and take.",
        ),
        StrawberryField(python_name="skip", graphql_name="skip", type_annotation=ns.annotation("int")),
        StrawberryField(python_name="take", graphql_name="take", type_annotation=ns.annotation("int")),
    ]
    return ns.create(name, fields, f"A page of {graphql_name} rows.")


def computed_field(
    ns: Namespace, python_name: str, expr: str, requires: tuple[str, ...]
) -> tuple[StrawberryField, FieldPlan]:
    """A field with its own resolver (installed after the build) that needs ``requires`` loaded."""
    strawberry_field = StrawberryField(
        python_name=python_name, graphql_name=camel(python_name), type_annotation=ns.annotation(expr)
    )
    return strawberry_field, FieldPlan("computed", column=python_name, requires=requires)


def new_namespace() -> Namespace:
    """A namespace holding the scalars and the hand-written types the generated ones refer to."""
    ns = Namespace()
    ns.update(
        ID=strawberry.ID,
        str=str,
        int=int,
        bool=bool,
        list=list,
        JSON=JSON,
        DecimalValue=DecimalValue,
        DateTimeValue=DateTimeValue,
        PaymentMethod=PaymentMethod,
        DeleteResult=DeleteResult,
    )
    return ns
