"""Order specifications (``{"created_at": "DESC", "cart": {"email": "ASC"}}``) compiled to ORDER BY.

Own fields sort directly; a field of a single-valued relation or link sorts through a correlated
scalar subquery (no join, so rows are never multiplied). Nulls sort last ascending and first
descending on both databases, and the primary key is always the final tiebreaker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, FromClause, select

from paymentgraph.db.entity import EntityDef, FieldKind
from paymentgraph.db.types import comparable
from paymentgraph.errors import InvalidData
from paymentgraph.query.edges import EdgeIndex, field_value

_DIRECTIONS = {"ASC": False, "DESC": True}


def order_by(
    edges: EdgeIndex, entity: EntityDef, table: FromClause, order: Mapping[str, Any] | None
) -> list[ColumnElement[Any]]:
    """ORDER BY expressions for ``order`` on ``entity`` read from ``table``, ending with the primary key."""
    keys = [_directed(expr, desc) for expr, desc in _sort_keys(edges, entity, table, order or {}, "")]
    if entity.primary_key not in (order or {}):
        keys.append(table.c[entity.primary_key].asc())
    return keys


def _directed(expr: ColumnElement[Any], desc: bool) -> ColumnElement[Any]:
    return expr.desc().nulls_first() if desc else expr.asc().nulls_last()


def _sort_keys(
    edges: EdgeIndex, entity: EntityDef, table: FromClause, order: Mapping[str, Any], path: str
) -> list[tuple[ColumnElement[Any], bool]]:
    if not isinstance(order, Mapping):
        raise InvalidData(f'order{_at(path)} must be an object like {{"created_at": "DESC"}}')
    keys: list[tuple[ColumnElement[Any], bool]] = []
    for name, direction in order.items():
        where = f"{path}.{name}" if path else name
        field = entity.field(name)
        if field is not None:
            if field.kind is FieldKind.JSON:
                raise InvalidData(f'Cannot order {entity.name} by "{where}"', field=where)
            keys.append((comparable(field_value(edges, entity, table, name)), _direction(direction, where)))
            continue
        edge = edges.get(entity.name, name)
        if edge is None:
            raise InvalidData(
                f'Unknown order field "{where}" on {entity.name}', entity=entity.name, field=where
            )
        if edge.many:
            raise InvalidData(
                f'Cannot order {entity.name} by "{where}": it is a list; order by single-valued '
                "relations and links only",
                field=where,
            )
        target = edge.target.table.alias()
        from_clause, joined = edge.correlated(table, target)
        for expr, desc in _sort_keys(edges, edge.target, target, direction, where):
            sub = select(expr).select_from(from_clause).where(joined).limit(1).scalar_subquery()
            keys.append((sub, desc))
    return keys


def _direction(value: Any, where: str) -> bool:
    if isinstance(value, str) and value.upper() in _DIRECTIONS:
        return _DIRECTIONS[value.upper()]
    raise InvalidData(f'Order direction for "{where}" must be "ASC" or "DESC", got {value!r}', field=where)


def _at(path: str) -> str:
    return f' at "{path}"' if path else ""
