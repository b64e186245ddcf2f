"""Ownership as SQL: each owned entity's rows narrowed to the asking customer's, in the same statement.

What an entity's :class:`~paymentgraph.db.reach.Reach` declares (``owner_key``) and what a link declares
(``owner``: the customer end owns the account holders) becomes one condition per entity, added to every
statement that reads the entity, at the root and at any depth of nesting, so no path reaches around it
and it costs no extra round trip. The customer's id is one bound parameter (:data:`OWNER_PARAM`), so a
compiled plan serves every customer; NULL (a guest) matches only rows nobody owns.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, FromClause, String, bindparam, or_, select

from paymentgraph.db.entity import EntityDef
from paymentgraph.links.registry import Registry

OWNER_PARAM = "qg_owner"

Condition = Callable[[FromClause], ColumnElement[bool]]


def _owner() -> ColumnElement[str]:
    return bindparam(OWNER_PARAM, type_=String)


def _column_condition(entity: EntityDef, key: str) -> Condition:
    declared = entity.field(key)
    if declared is None:
        raise ValueError(f"{entity.name}: owner_key {key!r} is not one of its fields")
    if declared.nullable:
        # No owner (a guest's cart): whoever holds the id may read it.
        return lambda table: or_(table.c[key].is_(None), table.c[key] == _owner())
    return lambda table: table.c[key] == _owner()


class Ownership:
    """The ownership condition of every owned entity of a registry."""

    def __init__(self, registry: Registry) -> None:
        self.conditions: dict[str, Condition] = {}
        for entity in registry.entities.values():
            if entity.reach.owner_key is not None:
                self.conditions[entity.name] = _column_condition(entity, entity.reach.owner_key)
        for link in registry.links:
            if link.owner is None:
                continue
            owner_end = link.left if link.owner == "left" else link.right
            owned_end = link.other(owner_end)
            owned = registry.entities[owned_end.entity]
            if owned.name in self.conditions:
                raise ValueError(f"{owned.name} has its owner declared twice")
            table = registry.link_table(link)

            def through_link(
                target: FromClause,
                owned: EntityDef = owned,
                table: FromClause = table,
                near: str = owned_end.key,
                far: str = owner_end.key,
            ) -> ColumnElement[bool]:
                mine = select(table.c[near]).where(table.c[far] == _owner(), table.c.deleted_at.is_(None))
                return target.c[owned.primary_key].in_(mine.scalar_subquery())

            self.conditions[owned.name] = through_link

    def condition(self, entity: EntityDef, table: FromClause) -> ColumnElement[bool] | None:
        build = self.conditions.get(entity.name)
        return build(table) if build is not None else None

    def owns(self, entity: str) -> bool:
        return entity in self.conditions
