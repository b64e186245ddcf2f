"""Entity declarations: what a module tells the rest of the system about its data.

This plays the part of Medusa's joiner config. Each module's ``entities.py`` declares its entities
(name, table, in-module relations, reach); the link registry adds cross-module fields; the query graph
and the GraphQL schema are generated from these declarations alone. An entity's scalar fields are read
off its table's columns (:func:`declare`), so a column added to a table is a field without a second
declaration; what a column cannot say (an enum's values, lower-case storage, a description, another
module's id) is given once per entity as :class:`Facts`, and columns that are not for reading are named
in ``hidden``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Boolean, Column, ColumnElement, DateTime, FromClause, Integer, Numeric, String, Table
from sqlalchemy.types import JSON, TypeDecorator, TypeEngine

from paymentgraph.db.base import Base
from paymentgraph.db.reach import OPEN, Reach


class FieldKind(StrEnum):
    ID = "id"
    STRING = "string"
    INT = "int"
    BOOL = "bool"
    DECIMAL = "decimal"
    DATETIME = "datetime"
    JSON = "json"
    ENUM = "enum"


@dataclass(frozen=True)
class Field:
    """A scalar field; ``name`` is the column name and the snake_case field name.

    JSON fields are read but neither filtered nor sorted (the filter and order inputs leave them out).
    """

    name: str
    kind: FieldKind
    nullable: bool = False
    # For ENUM: the allowed stored values (lower-case) and the GraphQL enum type name.
    enum_values: tuple[str, ...] = ()
    enum_name: str | None = None
    description: str | None = None
    # Stored lower-case (currency codes): filter values are lower-cased too, so "USD" finds "usd".
    lowercase: bool = False
    # A computed field has no column: ``compute(edges, table)`` is its SQL value for the row of ``table``
    # (a correlated subquery or an expression), read, filtered and sorted in the same statements as the
    # columns. ``edges`` is the query graph's edge index (what the field may reach through links).
    # Computed fields are selected by name; ``*`` means the stored columns.
    compute: Callable[[Any, FromClause], ColumnElement[Any]] | None = field(
        default=None, compare=False, hash=False
    )
    # A computed DECIMAL is presented quantized to the currency held in this column of the same row
    # (sums carry no scale of their own: "40.00", not "40" or "40.0000").
    currency_field: str | None = None


@dataclass(frozen=True)
class Facts:
    """What a column cannot say about its field; name, kind and nullability are read off the column."""

    kind: FieldKind | None = None
    enum_values: tuple[str, ...] = ()
    enum_name: str | None = None
    description: str | None = None
    lowercase: bool = False


# Another module's id (or a link's end): an ID, though no foreign key can say so across modules.
OTHER_ID = Facts(kind=FieldKind.ID)
LOWERCASE = Facts(lowercase=True)


def enum(values: tuple[str, ...], name: str, description: str | None = None) -> Facts:
    """A string column holding one of ``values``, served as the GraphQL enum ``name``."""
    return Facts(kind=FieldKind.ENUM, enum_values=values, enum_name=name, description=description)


@dataclass(frozen=True)
class Relation:
    """An in-module relation: rows of ``target`` whose ``remote_key`` equals this row's ``local_key``.

    One-to-many: ``payment_collection.payment_sessions`` is local_key ``id``, remote_key
    ``payment_collection_id``, many. Many-to-one: ``payment.payment_collection`` is local_key
    ``payment_collection_id``, remote_key ``id``, not many.
    """

    name: str
    target: str
    many: bool
    local_key: str
    remote_key: str
    nullable: bool = True
    # Read the target even when it is soft-deleted: a refund keeps the reason it was given.
    include_deleted: bool = False


@dataclass(frozen=True)
class EntityDef:
    """An entity; build one with :func:`declare`. Soft-deleted rows (``deleted_at`` set) are never read."""

    name: str  # snake_case, e.g. "payment_collection"
    table: Table
    graphql_name: str  # e.g. "PaymentCollection"
    fields: tuple[Field, ...]
    relations: tuple[Relation, ...] = ()
    primary_key: str = "id"
    description: str | None = None
    reach: Reach = OPEN  # who may read it, and who owns a row (db/reach.py)
    # How a list is ordered when the caller gives no order (None: by primary key).
    default_order: Mapping[str, str] | None = field(default=None, compare=False, hash=False)

    @property
    def plural_name(self) -> str:
        return f"{self.name}s"

    def field(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None


def declare(
    name: str,
    table: Table | type[Base],
    *,
    facts: Mapping[str, Facts] | None = None,
    hidden: Collection[str] = (),
    graphql_name: str | None = None,
    relations: tuple[Relation, ...] = (),
    reach: Reach = OPEN,
    description: str | None = None,
    default_order: Mapping[str, str] | None = None,
) -> EntityDef:
    """The entity ``name`` over ``table`` (a Table or a declarative model): one field per column in
    column order (the GraphQL types list them so), except ``deleted_at`` (soft deletion, never a field)
    and the ``hidden`` columns. ``graphql_name`` defaults to ``name`` in PascalCase."""
    if not isinstance(table, Table):
        table = cast(Table, table.__table__)  # a declarative model's table is a Table
    facts = facts or {}
    unknown = (set(facts) | set(hidden)) - set(table.c.keys())
    if unknown:
        raise ValueError(f"entity {name}: {sorted(unknown)} are not columns of {table.name}")
    fields = tuple(
        _field(column, facts.get(column.name, Facts()))
        for column in table.c
        if column.name != "deleted_at" and column.name not in hidden
    )
    return EntityDef(
        name=name,
        table=table,
        graphql_name=graphql_name or name.title().replace("_", ""),
        fields=fields,
        relations=relations,
        reach=reach,
        description=description,
        default_order=default_order,
    )


def _field(column: Column[Any], facts: Facts) -> Field:
    return Field(
        column.name,
        facts.kind or _kind(column),
        nullable=bool(column.nullable),
        enum_values=facts.enum_values,
        enum_name=facts.enum_name,
        description=facts.description,
        lowercase=facts.lowercase,
    )


# The first base class the column's type is an instance of decides (Money is a Numeric, UTCDateTime a
# DateTime once their TypeDecorator is unwrapped).
_KINDS: tuple[tuple[type[TypeEngine[Any]], FieldKind], ...] = (
    (Boolean, FieldKind.BOOL),
    (Integer, FieldKind.INT),
    (Numeric, FieldKind.DECIMAL),
    (DateTime, FieldKind.DATETIME),
    (JSON, FieldKind.JSON),
    (String, FieldKind.STRING),
)


def _kind(column: Column[Any]) -> FieldKind:
    """The field kind of a column: ID for the key and foreign keys, else from its (unwrapped) type."""
    if column.name == "id" or column.foreign_keys:
        return FieldKind.ID
    sql_type = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    for base, kind in _KINDS:
        if isinstance(sql_type, base):
            return kind
    raise TypeError(f"column {column}: no field kind for {sql_type!r}")
