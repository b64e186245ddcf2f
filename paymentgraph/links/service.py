"""The link service in Medusa's dictionary shape, driven only by ``registry.links``.

    await link.create({"cart": {"cart_id": cart_id}, "payment": {"payment_collection_id": pc_id}})
    await link.dismiss(same shape)            # soft-delete exactly those pairs
    await link.delete({"order": {"order_id": [order_id]}})   # cascade, as the definitions say
    await link.list(same shape, ids may be lists or None)    # live link rows as dicts

The two modules may be given in either order. Cardinality is enforced by the partial unique indexes
of the link tables (see :mod:`paymentgraph.links.tables`), so it holds under concurrent requests; a
pre-check inside the transaction gives the same CONFLICT with a readable message when it can.
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.errors import Conflict, InvalidData, not_found
from paymentgraph.links import repository
from paymentgraph.links.definition import LinkDefinition, LinkEnd
from paymentgraph.links.registry import Registry

LinkRow = dict[str, Any]
_Pair = tuple[LinkDefinition, str, str]  # definition, left id, right id


class LinkService:
    """``create``, ``dismiss``, ``delete`` (cascade), ``list``, plus ``create_link``/``dismiss_link``."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], registry: Registry) -> None:
        self.sessionmaker = sessionmaker
        self.registry = registry
        self._by_ends: dict[frozenset[tuple[str, str]], LinkDefinition] = {
            frozenset({(d.left.module, d.left.key), (d.right.module, d.right.key)}): d for d in registry.links
        }

    # -- resolving inputs ---------------------------------------------------------------------

    def definition(self, name_or_definition: str | LinkDefinition) -> LinkDefinition:
        """A link definition by object, table name or PascalCase name (``CartPaymentCollection``)."""
        if isinstance(name_or_definition, LinkDefinition):
            if name_or_definition not in self.registry.links:
                raise InvalidData(f"Link {name_or_definition.name} is not registered")
            return name_or_definition
        for definition in self.registry.links:
            if name_or_definition in (definition.table_name, definition.name):
                return definition
        known = ", ".join(d.name for d in self.registry.links)
        raise InvalidData(
            f"Unknown link {name_or_definition!r}; known links: {known}", link=name_or_definition
        )

    def _resolve(self, link: object) -> tuple[LinkDefinition, object, object]:
        """The definition named by a ``{module: {key: value}, module: {key: value}}`` dict and both values."""
        if not isinstance(link, Mapping):
            raise InvalidData(
                f"A link must be an object like {{module: {{key: id}}}}, got {type(link).__name__}"
            )
        if "data" in link:
            raise InvalidData("Link tables have no extra columns; remove 'data'")
        if len(link) != 2:
            raise InvalidData(f"A link names exactly two modules, got {', '.join(map(str, link)) or 'none'}")
        ends: dict[tuple[str, str], object] = {}
        for module, keys in link.items():
            if not isinstance(keys, Mapping) or len(keys) != 1:
                raise InvalidData(f"Link side {module!r} must name exactly one key, e.g. {{'cart_id': id}}")
            ((key, value),) = keys.items()
            ends[(str(module), str(key))] = value
        definition = self._by_ends.get(frozenset(ends))
        if definition is None:
            named = " and ".join(f"{m}.{k}" for m, k in ends)
            raise InvalidData(f"No link is defined between {named}", modules=[m for m, _ in ends])
        left, right = definition.left, definition.right
        return definition, ends[(left.module, left.key)], ends[(right.module, right.key)]

    def _pair(self, link: object) -> _Pair:
        definition, left, right = self._resolve(link)
        return definition, _one_id(left, definition.left), _one_id(right, definition.right)

    def _pairs(self, links: object) -> tuple[bool, builtins.list[_Pair]]:
        single = isinstance(links, Mapping)
        items = [links] if single else links
        if not isinstance(items, builtins.list | tuple):
            raise InvalidData("Expected a link object or a list of link objects")
        return single, [self._pair(item) for item in items]

    # -- create and dismiss -------------------------------------------------------------------

    async def create(self, links: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Any:
        """Link pairs (a dict -> its row, a list -> rows); re-creating a dismissed pair revives it.

        NOT_FOUND when an id names no live record; CONFLICT when a single-valued side already has a
        different partner; INVALID_DATA for an unknown module/key combination.
        """
        single, pairs = self._pairs(links)
        for _attempt in range(2):
            try:
                async with write_transaction(self.sessionmaker) as session:
                    rows = [await self._create_one(session, *pair) for pair in pairs]
                break
            except IntegrityError:
                # A concurrent request won a unique index: report the partner it linked.
                async with read_session(self.sessionmaker) as session:
                    for pair in pairs:
                        conflict = await self._conflict(session, *pair)
                        if conflict is not None:
                            raise conflict from None
                # No other partner: the same pair was created concurrently; the retry returns it.
        else:
            raise Conflict("The link was changed concurrently by another request; retry")
        return rows[0] if single else rows

    async def create_link(self, definition: str | LinkDefinition, left_id: str, right_id: str) -> LinkRow:
        """Link ``left_id`` (the definition's left end) to ``right_id``; returns the link row."""
        resolved = self.definition(definition)
        return await self.create(self._as_dict(resolved, left_id, right_id))

    async def dismiss(self, links: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> builtins.list[LinkRow]:
        """Soft-delete exactly the given live pairs; returns the rows dismissed (absent pairs skipped)."""
        _, pairs = self._pairs(links)
        dismissed: builtins.list[LinkRow] = []
        async with write_transaction(self.sessionmaker) as session:
            for definition, left_id, right_id in pairs:
                table = self.registry.link_table(definition)
                conditions = [(definition.left.key, [left_id]), (definition.right.key, [right_id])]
                dismissed += await repository.soft_delete_rows(session, table, conditions)
        return dismissed

    async def dismiss_link(self, definition: str | LinkDefinition, left_id: str, right_id: str) -> bool:
        """Dismiss one pair; True when a live link was dismissed."""
        resolved = self.definition(definition)
        return bool(await self.dismiss(self._as_dict(resolved, left_id, right_id)))

    def _as_dict(self, definition: LinkDefinition, left_id: str, right_id: str) -> dict[str, Any]:
        return {
            definition.left.module: {definition.left.key: left_id},
            definition.right.module: {definition.right.key: right_id},
        }

    async def _create_one(
        self, session: AsyncSession, definition: LinkDefinition, left_id: str, right_id: str
    ) -> LinkRow:
        for end, value in ((definition.left, left_id), (definition.right, right_id)):
            entity = self.registry.entity(end.entity)
            if value not in await repository.existing_ids(session, entity, [value]):
                raise not_found(entity.graphql_name, value)
        table = self.registry.link_table(definition)
        left, right = definition.left.key, definition.right.key
        existing = await repository.find_pair(session, table, left, left_id, right, right_id)
        if existing is not None and existing["deleted_at"] is None:
            return existing
        conflict = await self._conflict(session, definition, left_id, right_id)
        if conflict is not None:
            raise conflict
        if existing is not None:
            return await repository.revive(session, table, existing, left, right)
        values = {"id": new_id(definition.id_prefix), left: left_id, right: right_id}
        return await repository.insert_row(session, table, values)

    async def _conflict(
        self, session: AsyncSession, definition: LinkDefinition, left_id: str, right_id: str
    ) -> Conflict | None:
        """The CONFLICT a single-valued end raises for this pair, if any."""
        table = self.registry.link_table(definition)
        ids = {definition.left.key: left_id, definition.right.key: right_id}
        for key in definition.single_valued_keys:
            end = definition.left if key == definition.left.key else definition.right
            other = definition.other(end)
            partner = await repository.live_partner(
                session, table, end.key, ids[end.key], other.key, ids[other.key]
            )
            if partner is not None:
                this_name = self.registry.entity(end.entity).graphql_name
                other_name = self.registry.entity(other.entity).graphql_name
                details: dict[str, Any] = {
                    end.key: ids[end.key],
                    other.key: ids[other.key],
                    f"existing_{other.key}": partner,
                    "link": definition.name,
                }
                return Conflict(
                    f"{this_name} {ids[end.key]} is already linked to {other_name} {partner}; "
                    f"it can be linked to only one {other_name}, so {ids[other.key]} cannot be linked",
                    **details,
                )
        return None

    # -- cascade delete -----------------------------------------------------------------------

    async def delete(
        self, selection: Mapping[str, Mapping[str, str | Sequence[str]]]
    ) -> dict[str, builtins.list[str]]:
        """Soft-delete the links of deleted records, cascading as the definitions say.

        ``{"order": {"order_id": [ids]}}``: soft-deletes every live link row holding those ids; where
        the far end has ``delete_cascade`` the linked records (and their in-module children) are
        soft-deleted too, and the walk continues from their links. Returns the removed ids by link
        table or entity name.
        """
        queue = self._delete_roots(selection)
        processed: dict[tuple[str, str], set[str]] = defaultdict(set)
        removed: dict[str, builtins.list[str]] = defaultdict(builtins.list)
        async with write_transaction(self.sessionmaker) as session:
            while queue:
                module, key, ids = queue.pop(0)
                fresh = [i for i in ids if i not in processed[(module, key)]]
                processed[(module, key)].update(fresh)
                if not fresh:
                    continue
                for definition in self.registry.links:
                    end = definition.end_for(module, key)
                    if end is None:
                        continue
                    queue += await self._cascade_link(session, definition, end, fresh, removed)
        return {name: ids for name, ids in removed.items() if ids}

    def _delete_roots(self, selection: object) -> builtins.list[tuple[str, str, builtins.list[str]]]:
        if not isinstance(selection, Mapping) or not selection:
            raise InvalidData("delete expects {module: {key: ids}}")
        known = {(e.module, e.key) for d in self.registry.links for e in (d.left, d.right)}
        roots = []
        for module, keys in selection.items():
            if not isinstance(keys, Mapping) or not keys:
                raise InvalidData(f"delete: {module!r} must map keys to ids, e.g. {{'order_id': [id]}}")
            for key, value in keys.items():
                if (module, key) not in known:
                    raise InvalidData(f"No link has the end {module}.{key}", module=module, key=key)
                roots.append((module, key, _id_list(value, key)))
        return roots

    async def _cascade_link(
        self,
        session: AsyncSession,
        definition: LinkDefinition,
        end: LinkEnd,
        ids: builtins.list[str],
        removed: dict[str, builtins.list[str]],
    ) -> builtins.list[tuple[str, str, builtins.list[str]]]:
        table = self.registry.link_table(definition)
        rows = await repository.soft_delete_rows(session, table, [(end.key, ids)])
        removed[definition.table_name] += [row["id"] for row in rows]
        other = definition.other(end)
        partners = builtins.list(dict.fromkeys(row[other.key] for row in rows))
        if not other.delete_cascade or not partners:
            return []
        entity = self.registry.entity(other.entity)
        deleted = await repository.soft_delete_records(session, entity.table, entity.primary_key, partners)
        removed[entity.name] += deleted
        await self._cascade_children(session, entity.name, deleted, removed)
        return [(other.module, other.key, deleted)]

    async def _cascade_children(
        self,
        session: AsyncSession,
        entity_name: str,
        ids: builtins.list[str],
        removed: dict[str, builtins.list[str]],
    ) -> None:
        """Soft-delete in-module children (one-to-many relations), as a module's own soft delete does."""
        entity = self.registry.entity(entity_name)
        for relation in entity.relations:
            if not relation.many or relation.local_key != entity.primary_key or not ids:
                continue
            child = self.registry.entity(relation.target)
            deleted = await repository.soft_delete_records(session, child.table, relation.remote_key, ids)
            removed[child.name] += deleted
            await self._cascade_children(session, child.name, deleted, removed)

    # -- reading ------------------------------------------------------------------------------

    async def list(self, links: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> builtins.list[LinkRow]:
        """Live link rows matching the given sides; an id, a list of ids, or None (any) per side."""
        items = [links] if isinstance(links, Mapping) else links
        if not isinstance(items, builtins.list | tuple):
            raise InvalidData("Expected a link object or a list of link objects")
        rows: builtins.list[LinkRow] = []
        async with read_session(self.sessionmaker) as session:
            for item in items:
                definition, left, right = self._resolve(item)
                conditions = [
                    (end.key, _id_list(value, end.key))
                    for end, value in ((definition.left, left), (definition.right, right))
                    if value is not None
                ]
                rows += await repository.select_live(
                    session, self.registry.link_table(definition), conditions
                )
        return rows


def _one_id(value: object, end: LinkEnd) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidData(f"{end.key} must be a non-empty id string", field=end.key)
    return value


def _id_list(value: object, key: str) -> builtins.list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, builtins.list | tuple) or not all(isinstance(i, str) and i for i in items):
        raise InvalidData(f"{key} must be an id or a list of ids", field=key)
    return builtins.list(dict.fromkeys(items))
