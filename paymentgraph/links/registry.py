"""The registry of entities and links that the query graph, the link service and the schema read."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache

from sqlalchemy import MetaData, Table

from paymentgraph.db.base import metadata as default_metadata
from paymentgraph.db.entity import EntityDef
from paymentgraph.links.definition import ComputedField, LinkDefinition, ReadOnlyLink
from paymentgraph.links.tables import build_link_table

MODULES = ("payment", "cart", "customer", "order", "region")


@dataclass
class Registry:
    entities: dict[str, EntityDef]
    links: tuple[LinkDefinition, ...] = ()
    readonly_links: tuple[ReadOnlyLink, ...] = ()
    metadata: MetaData = field(default_factory=lambda: default_metadata)
    link_tables: dict[str, Table] = field(default_factory=dict)
    computed_fields: tuple[ComputedField, ...] = ()

    def __post_init__(self) -> None:
        for computed in self.computed_fields:
            entity = self.entities.get(computed.entity)
            if entity is None:
                raise ValueError(f"computed field {computed.field.name}: unknown entity {computed.entity!r}")
            if entity.field(computed.field.name) is None:
                self.entities[computed.entity] = replace(entity, fields=(*entity.fields, computed.field))
        by_plural = {e.plural_name: e for e in self.entities.values()}
        self._aliases = {**by_plural, **self.entities}
        for link in self.links:
            for end in (link.left, link.right):
                if end.entity not in self.entities:
                    raise ValueError(f"link {link.table_name}: unknown entity {end.entity!r}")
            self.link_tables[link.table_name] = build_link_table(link, self.metadata)
        for ro in self.readonly_links:
            for name in (ro.source, ro.target):
                if name not in self.entities:
                    raise ValueError(f"read-only link {ro.source}.{ro.field}: unknown entity {name!r}")

    def entity(self, name: str) -> EntityDef:
        """An entity by its name or plural (``payment_collection`` or ``payment_collections``)."""
        try:
            return self._aliases[name]
        except KeyError:
            raise KeyError(f'Service with alias "{name}" was not found.') from None

    def has_entity(self, name: str) -> bool:
        return name in self._aliases

    def link_table(self, link: LinkDefinition) -> Table:
        return self.link_tables[link.table_name]

    def links_of(self, entity: str) -> Iterable[tuple[LinkDefinition, str]]:
        """(link, side) pairs where ``entity`` is at ``side`` ("left" or "right")."""
        for link in self.links:
            if link.left.entity == entity:
                yield link, "left"
            if link.right.entity == entity:
                yield link, "right"

    def with_links(self, *links: LinkDefinition, metadata: MetaData | None = None) -> Registry:
        """A registry with extra link definitions (their tables go on ``metadata``)."""
        return Registry(
            entities=dict(self.entities),
            links=self.links + links,
            readonly_links=self.readonly_links,
            metadata=metadata or self.metadata,
            computed_fields=self.computed_fields,
        )


def module_entities(modules: Iterable[str] = MODULES) -> dict[str, EntityDef]:
    entities: dict[str, EntityDef] = {}
    for module in modules:
        declared = importlib.import_module(f"paymentgraph.modules.{module}.entities").ENTITIES
        for entity in declared:
            entities[entity.name] = entity
    return entities


@cache
def default_registry() -> Registry:
    from paymentgraph.events.entities import ENTITIES as EVENT_ENTITIES
    from paymentgraph.links.computed import COMPUTED_FIELDS
    from paymentgraph.links.definitions import LINKS, READ_ONLY_LINKS

    return Registry(
        entities={**module_entities(), **{e.name: e for e in EVENT_ENTITIES}},
        links=LINKS,
        readonly_links=READ_ONLY_LINKS,
        computed_fields=COMPUTED_FIELDS,
    )
