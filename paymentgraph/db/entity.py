"""Entity declarations: what a module tells the rest of the system about its data.

This plays the part of Medusa's joiner config. Each module's ``entities.py`` declares its entities
(name, table, scalar fields, in-module relations); the link registry adds cross-module fields; the
query graph and the GraphQL schema are generated from these declarations alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, ColumnElement, FromClause, Table

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
    """A scalar field; ``name`` is the column name and the snake_case field name."""

    name: str
    kind: FieldKind
    nullable: bool = False
    # For ENUM: the allowed stored values (lower-case) and the GraphQL enum type name.
    enum_values: tuple[str, ...] = ()
    enum_name: str | None = None
    filterable: bool = True
    sortable: bool = True
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
    name: str  # snake_case, e.g. "payment_collection"
    table: Table
    graphql_name: str  # e.g. "PaymentCollection"
    fields: tuple[Field, ...]
    relations: tuple[Relation, ...] = ()
    plural: str | None = None  # defaults to name + "s"
    soft_delete: bool = True  # reads skip rows whose deleted_at is set
    primary_key: str = "id"
    description: str | None = None
    reach: Reach = OPEN  # who may read it, and who owns a row (db/reach.py)
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def plural_name(self) -> str:
        return self.plural or f"{self.name}s"

    def field(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def column(self, name: str) -> Column[Any]:
        return self.table.c[name]
