"""Executing a plan: the root rows, then every child path through its own per-request DataLoader.

Each DataLoader batch runs its one statement on its own connection (aiodataloader dispatches batches
concurrently, and an AsyncSession or connection must never be shared between concurrent tasks).
Sibling paths load concurrently; a path's children load as soon as its rows are in. Rows are plain
dicts built straight from Core result rows; join keys nobody asked for are removed at the end.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncEngine

from paymentgraph.query.planner import ChildPlan, NodePlan, RootPlan

Row = dict[str, Any]


class PathLoader(DataLoader[tuple[Any, ...], list[Any]]):
    """Loads one child path. A key is the tuple of parent keys of one level (one future per level:
    aiodataloader's per-key futures cost more than the SQL itself at a thousand parents); groups
    arriving in the same tick are loaded together in one statement, their keys de-duplicated.
    The value for a group is, per parent key, a list of rows (list paths) or one row or None.
    """

    def __init__(self, engine: AsyncEngine, plan: ChildPlan) -> None:
        super().__init__()
        self.engine = engine
        self.plan = plan

    async def batch_load_fn(self, groups: list[tuple[Any, ...]]) -> list[list[Any]]:
        keys = list(dict.fromkeys(key for group in groups for key in group)) if len(groups) > 1 else groups[0]
        async with self.engine.connect() as conn:
            rows = (await conn.execute(self.plan.statement, self.plan.bind_keys(list(keys)))).all()
        names = self.plan.node.names
        if self.plan.edge.many:
            lists: dict[Any, list[Row]] = {}
            for row in rows:
                # The parent key is the last column; zip stops before it.
                group = lists.get(row[-1])
                if group is None:
                    lists[row[-1]] = [dict(zip(names, row, strict=False))]
                else:
                    group.append(dict(zip(names, row, strict=False)))
            return [[lists.get(key, []) for key in group] for group in groups]
        single: dict[Any, Row] = {}
        for row in rows:
            if row[-1] not in single:
                single[row[-1]] = dict(zip(names, row, strict=False))
        return [[single.get(key) for key in group] for group in groups]


class RequestLoaders:
    """The DataLoaders of one request: one per child path, created on first use."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._loaders: dict[int, PathLoader] = {}

    def of(self, plan: ChildPlan) -> PathLoader:
        loader = self._loaders.get(id(plan))
        if loader is None:
            loader = self._loaders[id(plan)] = PathLoader(self.engine, plan)
        return loader


async def load_root(engine: AsyncEngine, plan: RootPlan) -> tuple[list[Row], int | None]:
    """The root rows with their whole subtree, and the total count when the plan has one."""
    if plan.count_statement is not None:
        rows, count = await asyncio.gather(_root_rows(engine, plan), _count(engine, plan))
    else:
        rows, count = await _root_rows(engine, plan), None
    await fill(RequestLoaders(engine), plan.node, rows)
    return rows, count


async def _root_rows(engine: AsyncEngine, plan: RootPlan) -> list[Row]:
    async with engine.connect() as conn:
        result = await conn.execute(plan.statement)
        names = plan.node.names
        return [dict(zip(names, row, strict=False)) for row in result.all()]


async def _count(engine: AsyncEngine, plan: RootPlan) -> int:
    assert plan.count_statement is not None
    async with engine.connect() as conn:
        return int((await conn.execute(plan.count_statement)).scalar_one())


async def fill(loaders: RequestLoaders, node: NodePlan, rows: list[Row]) -> None:
    """Load every child path of ``node`` for ``rows`` (each row object once), then drop hidden keys."""
    if node.children and rows:
        if len(node.children) == 1:
            await _fill_child(loaders, node.children[0], rows)
        else:
            await asyncio.gather(*(_fill_child(loaders, child, rows) for child in node.children))
    if node.hidden:
        hidden = node.hidden
        for row in rows:
            for name in hidden:
                del row[name]


async def _fill_child(loaders: RequestLoaders, plan: ChildPlan, rows: list[Row]) -> None:
    parent_key, key, many = plan.edge.parent_key, plan.key, plan.edge.many
    keys = list(dict.fromkeys(v for row in rows if (v := row[parent_key]) is not None))
    if not keys:
        for row in rows:
            row[key] = [] if many else None
        return
    values = await loaders.of(plan).load(tuple(keys))
    by_key = dict(zip(keys, values, strict=True))
    if many:
        for row in rows:
            group = by_key.get(row[parent_key])
            row[key] = group if group is not None else []
        loaded = [child for group in values for child in group]
    else:
        for row in rows:
            row[key] = by_key.get(row[parent_key])
        loaded = [child for child in values if child is not None]
    await fill(loaders, plan.node, loaded)
