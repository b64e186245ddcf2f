"""Medusa filter dictionaries compiled to SQL conditions, across relations and links.

``{"status": {"$in": [...]}, "cart": {"email": {"$ilike": "%@x.com"}}}``: a scalar key compares a column
of the entity; a relation or link key means "a related live row matches" and becomes ``EXISTS`` (a link
hop is ``EXISTS`` over the live link rows joined to the target). A plain value means ``$eq``, a list
``$in``; ``None`` under a relation or link means "has none". Everything is SQL, so counts are exact.

``$like`` / ``$ilike`` patterns: ``%`` matches any text and ``_`` one character; a backslash makes the
next ``%``, ``_`` or ``\\`` literal (``"50\\%%"`` matches text starting with ``50%``). Any other use of a
backslash, a trailing one included, is INVALID_DATA. The pattern is compiled with an explicit
``ESCAPE '\\'``, so the rule is the same on PostgreSQL (whose default escape is a backslash) and SQLite
(which has no default escape character).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    String,
    and_,
    bindparam,
    exists,
    false,
    func,
    not_,
    or_,
    select,
    true,
)

from paymentgraph.db.entity import EntityDef, Field, FieldKind
from paymentgraph.db.types import comparable, comparable_param, finest_amount_digits
from paymentgraph.errors import InvalidData
from paymentgraph.money import to_decimal
from paymentgraph.query.edges import EdgeIndex, field_value

_TEXT_KINDS = {FieldKind.ID, FieldKind.STRING, FieldKind.ENUM}
_Compare = Callable[[ColumnElement[Any], Any], ColumnElement[Any]]
_COMPARISONS: dict[str, _Compare] = {
    "$gt": lambda c, v: c > v,
    "$gte": lambda c, v: c >= v,
    "$lt": lambda c, v: c < v,
    "$lte": lambda c, v: c <= v,
}
OPERATORS = ("$eq", "$ne", "$in", "$nin", "$gt", "$gte", "$lt", "$lte", "$like", "$ilike", "$is_null", "$not")


# A filter is bound, then compiled. Binding (every request) checks and coerces each value and splits
# the filter into its SHAPE, a hashable tuple of keys, operators and slot numbers, and its VALUES, one
# per slot. Compiling (once per shape, the plan is cached) turns the shape into SQL whose values are
# named parameters (``qf_<slot>``), so another id or amount reuses the plan. Shape parts:
#   ("$and" | "$or", (entity shape, ...))   ("$not", entity shape)
#   ("F", field name, (operator shape, ...))   ("R", relation or link name, entity shape | None)
# and operator shapes (op, slot), (op, None) for $eq/$ne null, (op, ()) for an empty $in/$nin list,
# ("$is_null", bool), ("$not", (operator shape, ...)).
Shape = tuple[Any, ...]
PARAM_PREFIX = "qf_"


def bind_filters(
    edges: EdgeIndex, entity: EntityDef, filters: Mapping[str, Any] | None, values: list[Any], path: str = ""
) -> Shape | None:
    """The shape of ``filters`` on rows of ``entity``, appending their values to ``values`` (None: no
    filter). Refuses (INVALID_DATA) unknown fields, operators and values that do not fit the field."""
    if not filters:
        return None
    return _Binder(edges, values).entity(entity, filters, path)


def filter_params(values: list[Any]) -> dict[str, Any]:
    """The execution parameters of bound ``values``."""
    return {f"{PARAM_PREFIX}{slot}": value for slot, value in enumerate(values)}


def compile_filters(
    edges: EdgeIndex, entity: EntityDef, table: FromClause, shape: Shape | None
) -> ColumnElement[Any] | None:
    """The WHERE condition of a bound filter ``shape`` on rows of ``entity`` read from ``table``."""
    if not shape:
        return None
    return _Compiler(edges).entity(entity, table, shape)


def _never_null(condition: ColumnElement[Any]) -> ColumnElement[Any]:
    # SQL's NOT over an unknown (NULL) stays unknown; a filter's "not" should keep such rows.
    return func.coalesce(condition, false())


class _Binder:
    def __init__(self, edges: EdgeIndex, values: list[Any]) -> None:
        self.edges = edges
        self.values = values

    def slot(self, value: Any) -> int:
        self.values.append(value)
        return len(self.values) - 1

    def entity(self, entity: EntityDef, filters: Mapping[str, Any], path: str) -> Shape:
        if not isinstance(filters, Mapping):
            raise InvalidData(f"filters{_at(path)} must be an object, got {filters!r}", path=path or None)
        parts: list[Shape] = []
        for key, value in filters.items():
            where = f"{path}.{key}" if path else key
            if key in ("$and", "$or"):
                items = _list(key, value, where)
                parts.append((key, tuple(self.entity(entity, item, path) for item in items)))
            elif key == "$not":
                parts.append(("$not", self.entity(entity, value, path)))
            elif (field := entity.field(key)) is not None:
                parts.append(("F", key, self.field(entity, field, value, where)))
            elif (edge := self.edges.get(entity.name, key)) is not None:
                parts.append(("R", key, None if value is None else self.entity(edge.target, value, where)))
            else:
                raise InvalidData(
                    f'Unknown filter field "{key}" on {entity.name}{_at(path)}: expected a field, a '
                    f"relation or link of {entity.name}, or $and / $or / $not",
                    entity=entity.name,
                    field=key,
                )
        return tuple(parts)

    def field(self, entity: EntityDef, field: Field, value: Any, where: str) -> Shape:
        if field.kind is FieldKind.JSON:
            raise InvalidData(f'Field "{where}" of {entity.name} cannot be filtered', field=where)
        operators = self.operators(field, value, where)
        if not operators:
            raise InvalidData(f'Filter "{where}" has no operator', field=where)
        return operators

    def operators(self, field: Field, value: Any, where: str) -> Shape:
        if not isinstance(value, Mapping):
            value = {"$in": value} if isinstance(value, list | tuple) else {"$eq": value}
        return tuple(self.operator(field, op, arg, where) for op, arg in value.items())

    def operator(self, field: Field, op: str, arg: Any, where: str) -> Shape:
        if op == "$not":
            return ("$not", self.operators(field, arg, where))
        if op == "$is_null":
            if not isinstance(arg, bool):
                raise InvalidData(f'"{where}": $is_null takes true or false, got {arg!r}', field=where)
            return (op, arg)
        if op in ("$eq", "$ne"):
            return (op, None) if arg is None else (op, self.slot(self.value(field, arg, where)))
        if op in ("$in", "$nin"):
            items = [self.value(field, item, where) for item in dict.fromkeys(_list(op, arg, where))]
            return (op, self.slot(items) if items else ())
        if op in _COMPARISONS:
            if arg is None:
                raise InvalidData(f'"{where}": {op} needs a value, not null', field=where)
            return (op, self.slot(self.value(field, arg, where)))
        if op in ("$like", "$ilike"):
            if field.kind not in _TEXT_KINDS or not isinstance(arg, str):
                raise InvalidData(f'"{where}": {op} needs a text field and a string pattern', field=where)
            # A field stored lower-case (currency codes) matches patterns as it matches values.
            return (op, self.slot(_like_pattern(arg.lower() if field.lowercase else arg, where)))
        raise InvalidData(
            f'Unknown operator "{op}" in filter "{where}"; expected one of {", ".join(OPERATORS)}',
            field=where,
            operator=op,
        )

    @staticmethod
    def value(field: Field, value: Any, where: str) -> Any:
        coerced = _coerce(field, value, where)
        if field.compute is not None and field.kind is FieldKind.DECIMAL:
            digits = finest_amount_digits()
            if coerced.scaleb(digits) != coerced.scaleb(digits).to_integral_value():
                raise InvalidData(
                    f'"{where}": {coerced} is finer than any currency\'s minor unit '
                    f"({digits} decimal places)",
                    field=where,
                )
        return coerced


class _Compiler:
    def __init__(self, edges: EdgeIndex) -> None:
        self.edges = edges

    def entity(self, entity: EntityDef, table: FromClause, shape: Shape) -> ColumnElement[Any]:
        parts: list[ColumnElement[Any]] = []
        for part in shape:
            tag = part[0]
            if tag in ("$and", "$or"):
                inner = [self.entity(entity, table, item) for item in part[1]]
                parts.append(and_(true(), *inner) if tag == "$and" else or_(false(), *inner))
            elif tag == "$not":
                parts.append(not_(_never_null(self.entity(entity, table, part[1]))))
            elif tag == "F":
                field = entity.field(part[1])
                assert field is not None  # bound against this entity
                column = field_value(self.edges, entity, table, field.name)
                operators = [self.operator(column, op) for op in part[2]]
                parts.append(and_(*operators) if len(operators) > 1 else operators[0])
            else:
                edge = self.edges.get(entity.name, part[1])
                assert edge is not None
                target = edge.target.table.alias()
                from_clause, joined = edge.correlated(table, target)
                if part[2] is None:
                    parts.append(not_(exists(select(1).select_from(from_clause).where(joined))))
                else:
                    condition = self.entity(edge.target, target, part[2])
                    parts.append(exists(select(1).select_from(from_clause).where(joined, condition)))
        return and_(true(), *parts) if len(parts) != 1 else parts[0]

    def operator(self, column: ColumnElement[Any], shape: Shape) -> ColumnElement[Any]:
        op, slot = shape
        key = comparable(column)
        if op == "$not":
            inner = [self.operator(column, item) for item in slot]
            return not_(_never_null(and_(true(), *inner) if len(inner) != 1 else inner[0]))
        if op == "$is_null":
            return column.is_(None) if slot else column.is_not(None)
        if op == "$eq":
            return column.is_(None) if slot is None else key == self.param(column, slot)
        if op == "$ne":
            # Rows where the column is null are "not equal" too.
            if slot is None:
                return column.is_not(None)
            return or_(column.is_(None), key != self.param(column, slot))
        if op == "$in":
            return key.in_(self.param(column, slot, expanding=True)) if slot != () else false()
        if op == "$nin":
            if slot == ():
                return true()
            return or_(column.is_(None), key.not_in(self.param(column, slot, expanding=True)))
        if op in _COMPARISONS:
            return _COMPARISONS[op](key, self.param(column, slot))
        pattern = bindparam(f"{PARAM_PREFIX}{slot}", type_=String())
        if op == "$like":
            return column.like(pattern, escape=LIKE_ESCAPE)
        return column.ilike(pattern, escape=LIKE_ESCAPE)

    @staticmethod
    def param(column: ColumnElement[Any], slot: int, *, expanding: bool = False) -> ColumnElement[Any]:
        return comparable_param(column, f"{PARAM_PREFIX}{slot}", expanding=expanding)


def _list(op: str, value: Any, where: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise InvalidData(f'Expected an array for {op} in filter "{where}", got {value!r}', field=where)
    return list(value)


LIKE_ESCAPE = "\\"
_ESCAPABLE = frozenset("%_\\")


def _like_pattern(pattern: str, where: str) -> str:
    """``pattern`` checked against the escaping rule (module docstring); returned unchanged."""
    index = 0
    while (index := pattern.find(LIKE_ESCAPE, index)) != -1:
        escaped = pattern[index + 1 : index + 2]
        if escaped not in _ESCAPABLE:  # the empty string at the end too
            shown = f'"{escaped}"' if escaped else "the end of the pattern"
            raise InvalidData(
                f'"{where}": a backslash in a like pattern must be followed by %, _ or another backslash '
                f"(found one before {shown} at position {index}); write \\\\ for a literal backslash",
                field=where,
            )
        index += 2
    return pattern


def _coerce(field: Field, value: Any, where: str) -> Any:
    """A filter value in the column's Python type (money and timestamps may come as strings)."""
    kind = field.kind
    if kind is FieldKind.DECIMAL:
        return to_decimal(value, field=where)
    if kind is FieldKind.DATETIME:
        if isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
        raise InvalidData(f'"{where}" needs an ISO 8601 date-time, got {value!r}', field=where)
    if kind is FieldKind.INT:
        if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
            raise InvalidData(f'"{where}" needs an integer, got {value!r}', field=where)
        try:
            return int(value)
        except ValueError:
            raise InvalidData(f'"{where}" needs an integer, got {value!r}', field=where) from None
    if kind is FieldKind.BOOL:
        if not isinstance(value, bool):
            raise InvalidData(f'"{where}" needs true or false, got {value!r}', field=where)
        return value
    if not isinstance(value, str):
        raise InvalidData(f'"{where}" needs a string, got {value!r}', field=where)
    return value.lower() if field.lowercase else value


def _at(path: str) -> str:
    return f' at "{path}"' if path else ""
