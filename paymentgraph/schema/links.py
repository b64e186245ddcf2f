"""The GraphQL fields that lead from one entity to another: relations, stored links, read-only links."""

from __future__ import annotations

from dataclasses import dataclass

from paymentgraph.links.registry import Registry


@dataclass(frozen=True)
class EdgeField:
    """``entity.name`` -> ``target``; ``name`` is the snake_case field name the query graph knows."""

    name: str
    target: str
    many: bool
    nullable: bool  # single-valued only: lists are always [T!]!
    kind: str  # "relation" | "link" | "readonly"


def edge_fields(registry: Registry) -> dict[str, dict[str, EdgeField]]:
    """Every entity's edge fields by name, in declaration order (relations, read-only links, links)."""
    edges: dict[str, dict[str, EdgeField]] = {name: {} for name in registry.entities}

    def add(entity: str, edge: EdgeField) -> None:
        if edge.name in edges[entity] or registry.entities[entity].field(edge.name) is not None:
            raise ValueError(f"{entity}.{edge.name} is declared twice (field, relation or link)")
        edges[entity][edge.name] = edge

    for entity in registry.entities.values():
        for rel in entity.relations:
            add(entity.name, EdgeField(rel.name, rel.target, rel.many, rel.nullable, "relation"))
    for ro in registry.readonly_links:
        add(ro.source, EdgeField(ro.field, ro.target, ro.many, ro.nullable, "readonly"))
        if ro.reverse_field is not None:
            add(ro.target, EdgeField(ro.reverse_field, ro.source, True, True, "readonly"))
    for link in registry.links:
        # The right entity gets left.field (a list if left.many), and the other way round.
        add(link.right.entity, EdgeField(link.left.field, link.left.entity, link.left.many, True, "link"))
        add(link.left.entity, EdgeField(link.right.field, link.right.entity, link.right.many, True, "link"))
    return edges
