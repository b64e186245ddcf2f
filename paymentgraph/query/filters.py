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

from sqlalchemy import ColumnElement, FromClause, and_, exists, false, func, not_, or_, select, true

from paymentgraph.db.entity import EntityDef, Field, FieldKind
from paymentgraph.db.types import comparable, comparable_value, finest_amount_digits
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


def compile_filters(
    edges: EdgeIndex, entity: EntityDef, table: FromClause, filters: Mapping[str, Any] | None
) -> ColumnElement[Any] | None:
    """The WHERE condition for ``filters`` on rows of ``entity`` read from ``table`` (None: no filter)."""
    if not filters:
        return None
    return _FilterCompiler(edges).entity(entity, table, filters, "")


def _never_null(condition: ColumnElement[Any]) -> ColumnElement[Any]:
    # SQL's NOT over an unknown (NULL) stays unknown; a filter's "not" should keep such rows.
    return func.coalesce(condition, false())


class _FilterCompiler:
    def __init__(self, edges: EdgeIndex) -> None:
        self.edges = edges

    def entity(
        self, entity: EntityDef, table: FromClause, filters: Mapping[str, Any], path: str
    ) -> ColumnElement[Any]:
        if not isinstance(filters, Mapping):
            raise InvalidData(f"filters{_at(path)} must be an object, got {filters!r}", path=path or None)
        parts: list[ColumnElement[Any]] = []
        for key, value in filters.items():
            where = f"{path}.{key}" if path else key
            if key in ("$and", "$or"):
                items = self._list(key, value, where)
                inner = [self.entity(entity, table, item, path) for item in items]
                parts.append(and_(true(), *inner) if key == "$and" else or_(false(), *inner))
            elif key == "$not":
                parts.append(not_(_never_null(self.entity(entity, table, value, path))))
            elif (field := entity.field(key)) is not None:
                parts.append(self.field(entity, field, table, value, where))
            elif (edge := self.edges.get(entity.name, key)) is not None:
                target = edge.target.table.alias()
                from_clause, joined = edge.correlated(table, target)
                related = exists(select(1).select_from(from_clause).where(joined))
                if value is None:
                    parts.append(not_(related))
                    continue
                condition = self.entity(edge.target, target, value, where)
                parts.append(exists(select(1).select_from(from_clause).where(joined, condition)))
            else:
                raise InvalidData(
                    f'Unknown filter field "{key}" on {entity.name}{_at(path)}: expected a field, a '
                    f"relation or link of {entity.name}, or $and / $or / $not",
                    entity=entity.name,
                    field=key,
                )
        return and_(true(), *parts) if len(parts) != 1 else parts[0]

    def field(
        self, entity: EntityDef, field: Field, table: FromClause, value: Any, where: str
    ) -> ColumnElement[Any]:
        if not field.filterable:
            raise InvalidData(f'Field "{where}" of {entity.name} cannot be filtered', field=where)
        column = field_value(self.edges, entity, table, field.name)
        if not isinstance(value, Mapping):
            value = {"$in": value} if isinstance(value, list | tuple) else {"$eq": value}
        parts = [self.operator(field, column, op, arg, where) for op, arg in value.items()]
        if not parts:
            raise InvalidData(f'Filter "{where}" has no operator', field=where)
        return and_(*parts) if len(parts) > 1 else parts[0]

    def operator(
        self, field: Field, column: ColumnElement[Any], op: str, arg: Any, where: str
    ) -> ColumnElement[Any]:
        key = comparable(column)
        if op == "$not":
            inner = self.field_not(field, column, arg, where)
            return not_(_never_null(inner))
        if op == "$is_null":
            if not isinstance(arg, bool):
                raise InvalidData(f'"{where}": $is_null takes true or false, got {arg!r}', field=where)
            return column.is_(None) if arg else column.is_not(None)
        if op == "$eq":
            return column.is_(None) if arg is None else key == self.value(field, column, arg, where)
        if op == "$ne":
            # Rows where the column is null are "not equal" too.
            if arg is None:
                return column.is_not(None)
            return or_(column.is_(None), key != self.value(field, column, arg, where))
        if op in ("$in", "$nin"):
            items = self._list(op, arg, where)
            values = [self.value(field, column, item, where) for item in dict.fromkeys(items)]
            if op == "$in":
                return key.in_(values) if values else false()
            return or_(column.is_(None), key.not_in(values)) if values else true()
        if op in _COMPARISONS:
            if arg is None:
                raise InvalidData(f'"{where}": {op} needs a value, not null', field=where)
            return _COMPARISONS[op](key, self.value(field, column, arg, where))
        if op in ("$like", "$ilike"):
            if field.kind not in _TEXT_KINDS or not isinstance(arg, str):
                raise InvalidData(f'"{where}": {op} needs a text field and a string pattern', field=where)
            # A field stored lower-case (currency codes) matches patterns as it matches values.
            pattern = _like_pattern(arg.lower() if field.lowercase else arg, where)
            if op == "$like":
                return column.like(pattern, escape=LIKE_ESCAPE)
            return column.ilike(pattern, escape=LIKE_ESCAPE)
        raise InvalidData(
            f'Unknown operator "{op}" in filter "{where}"; expected one of {", ".join(OPERATORS)}',
            field=where,
            operator=op,
        )

    def field_not(self, field: Field, column: ColumnElement[Any], arg: Any, where: str) -> ColumnElement[Any]:
        if not isinstance(arg, Mapping):
            arg = {"$in": arg} if isinstance(arg, list | tuple) else {"$eq": arg}
        parts = [self.operator(field, column, op, inner, where) for op, inner in arg.items()]
        return and_(true(), *parts) if len(parts) != 1 else parts[0]

    def value(self, field: Field, column: ColumnElement[Any], value: Any, where: str) -> ColumnElement[Any]:
        coerced = _coerce(field, value, where)
        if field.compute is not None and field.kind is FieldKind.DECIMAL:
            digits = finest_amount_digits()
            if coerced.scaleb(digits) != coerced.scaleb(digits).to_integral_value():
                raise InvalidData(
                    f'"{where}": {coerced} is finer than any currency\'s minor unit '
                    f"({digits} decimal places)",
                    field=where,
                )
        return comparable_value(column, coerced)

    @staticmethod
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
