"""The fields that lead from one entity to another: in-module relations, stored links, read-only links.

Everything the query graph does across entities (loading, filtering, ordering) goes through an
:class:`Edge`, so a new link definition in the registry is usable everywhere with no other change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Table, and_

from paymentgraph.db.entity import OTHER_ID, EntityDef, declare
from paymentgraph.links.definition import LinkDefinition
from paymentgraph.links.registry import Registry


@dataclass(frozen=True)
class Edge:
    """``source.name`` -> rows of ``target``.

    Relations and read-only links match ``target.target_key`` against the source row's
    ``parent_key``. A stored link matches the link table's ``near_key`` against the source's primary
    key and joins the target on ``far_key``; only live link rows count.
    """

    name: str
    kind: str  # "relation" | "link" | "readonly"
    source: EntityDef
    target: EntityDef
    many: bool
    parent_key: str
    target_key: str
    link_table: Table | None = None
    near_key: str = ""
    far_key: str = ""
    include_deleted: bool = False  # a relation that reads soft-deleted targets too (Relation)

    def hop(self, target: FromClause) -> tuple[FromClause, ColumnElement[Any], list[ColumnElement[Any]]]:
        """(FROM clause, the column matched against the parent key, conditions) for one hop to ``target``."""
        conditions: list[ColumnElement[Any]] = []
        live = None if self.include_deleted else live_condition(target)
        if live is not None:
            conditions.append(live)
        if self.link_table is None:
            return target, target.c[self.target_key], conditions
        link = self.link_table.alias()
        joined = link.join(target, target.c[self.target_key] == link.c[self.far_key])
        conditions.append(link.c.deleted_at.is_(None))
        return joined, link.c[self.near_key], conditions

    def correlated(self, parent: FromClause, target: FromClause) -> tuple[FromClause, ColumnElement[Any]]:
        """FROM clause and WHERE condition of a subquery over ``target`` correlated to ``parent``."""
        from_clause, match, conditions = self.hop(target)
        return from_clause, and_(match == parent.c[self.parent_key], *conditions)


def live_condition(table: FromClause) -> ColumnElement[Any] | None:
    """``deleted_at IS NULL`` for tables that soft-delete (soft-deleted rows never appear)."""
    if "deleted_at" in table.c:
        return table.c.deleted_at.is_(None)
    return None


def link_entity(link: LinkDefinition, table: Table) -> EntityDef:
    """A stored link's rows as an entity of their own (Medusa's ``cart_payment_collection`` entry point)."""
    ends = {link.left.key: OTHER_ID, link.right.key: OTHER_ID}
    return declare(link.table_name, table, facts=ends, graphql_name="Link" + link.name)


class EdgeIndex:
    """Every entity (module entities and stored links' rows) and every edge, by (entity, field name)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.entities: dict[str, EntityDef] = dict(registry.entities)
        links = {link.table_name: link_entity(link, registry.link_table(link)) for link in registry.links}
        for name in links:
            if name in self.entities:
                raise ValueError(f"link table {name} has the name of an entity")
        self.entities.update(links)
        self._aliases = {e.plural_name: e for e in self.entities.values()} | self.entities
        self._edges: dict[str, dict[str, Edge]] = {name: {} for name in self.entities}
        for entity in registry.entities.values():
            for rel in entity.relations:
                target = registry.entities[rel.target]
                self._add(
                    Edge(
                        rel.name, "relation", entity, target, rel.many, rel.local_key, rel.remote_key,
                        include_deleted=rel.include_deleted,
                    )
                )  # fmt: skip
        for ro in registry.readonly_links:
            source, target = registry.entities[ro.source], registry.entities[ro.target]
            self._add(Edge(ro.field, "readonly", source, target, ro.many, ro.source_key, ro.target_key))
            if ro.reverse_field is not None:
                self._add(
                    Edge(ro.reverse_field, "readonly", target, source, True, ro.target_key, ro.source_key)
                )
        for link in registry.links:
            table = registry.link_table(link)
            left, right = registry.entities[link.left.entity], registry.entities[link.right.entity]
            # The right entity gets left.field (pointing at the left end), and the other way round.
            self._add(
                Edge(
                    link.left.field, "link", right, left, link.left.many, right.primary_key,
                    left.primary_key, table, link.right.key, link.left.key,
                )
            )  # fmt: skip
            self._add(
                Edge(
                    link.right.field, "link", left, right, link.right.many, left.primary_key,
                    right.primary_key, table, link.left.key, link.right.key,
                )
            )  # fmt: skip
            # From a link row to each of its ends, e.g. cart_payment_collection.cart.
            row = links[link.table_name]
            self._add(Edge(left.name, "relation", row, left, False, link.left.key, left.primary_key))
            self._add(Edge(right.name, "relation", row, right, False, link.right.key, right.primary_key))

    def entity(self, name: str) -> EntityDef | None:
        """An entity by name or plural, link rows included (``cart_payment_collections``)."""
        return self._aliases.get(name)

    def _add(self, edge: Edge) -> None:
        fields = self._edges[edge.source.name]
        if edge.name in fields or edge.source.field(edge.name) is not None:
            raise ValueError(f"{edge.source.name}.{edge.name} is declared twice (relation, link or field)")
        fields[edge.name] = edge

    def get(self, entity: str, name: str) -> Edge | None:
        return self._edges[entity].get(name)

    def of(self, entity: str) -> dict[str, Edge]:
        """The edges leaving ``entity``, by field name."""
        return self._edges[entity]

    def correlated_path(
        self, entity: str, parent: FromClause, path: str
    ) -> tuple[list[FromClause], list[ColumnElement[Any]], FromClause]:
        """(FROM clauses, WHERE conditions, last target) of a subquery following ``path``
        ("claims.payment_collections") from the row of ``parent``; every hop is a fresh alias."""
        froms: list[FromClause] = []
        conditions: list[ColumnElement[Any]] = []
        current_entity, current = entity, parent
        for part in path.split("."):
            edge = self.get(current_entity, part)
            if edge is None:
                raise ValueError(f'"{part}" of "{path}" is not a relation or link of {current_entity}')
            target = edge.target.table.alias()
            from_clause, condition = edge.correlated(current, target)
            froms.append(from_clause)
            conditions.append(condition)
            current_entity, current = edge.target.name, target
        return froms, conditions, current


def field_value(edges: EdgeIndex, entity: EntityDef, table: FromClause, name: str) -> ColumnElement[Any]:
    """The SQL value of field ``name`` for rows of ``entity`` read from ``table``: its column, or the
    expression of a computed field, labelled with the field's name."""
    field = entity.field(name)
    if field is not None and field.compute is not None:
        return field.compute(edges, table).label(name)
    return table.c[name]
