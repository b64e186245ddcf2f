"""Executing a plan: the root rows, then each child path in one statement for all of a level's parents.

Each child path is loaded exactly once per request, with every parent key of its level, so there is
nothing left for a DataLoader to batch: the per-request aiodataloader that used to sit here only added
futures and a scheduled dispatch per path (measured in bench/analysis.md). Sibling paths load
concurrently; a request's statements share one pooled connection and take turns on it (a connection
must never run two statements at once). One connection per
request instead of one per statement keeps concurrent requests within the pool: a checkout beyond it
opens a new connection and prepares its statements again, and with one connection per statement 16
concurrent nested reads served 44 req/s where one per request serves 100 (bench/analysis.md). A
path's children load as soon as its rows are in. Each fetched row becomes its dict once (query/rows.py),
column-keyed or already in the response's shape; the fetched rows stay beside the dicts for their join
keys, so keys nobody asked for never enter a dict.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from paymentgraph.db.native import NativeStatements, fetch
from paymentgraph.query.planner import ChildPlan, NodePlan, RootPlan
from paymentgraph.query.rows import Row, Unshaped

Records = Sequence[Sequence[Any]]


class RequestConnection:
    """One pooled connection for the statements of one request, used by one statement at a time.

    On PostgreSQL with asyncpg a statement whose values asyncpg already hands back as SQLAlchemy would
    is fetched through asyncpg directly (db/native.py: a fifth less CPU per nested read)."""

    def __init__(
        self,
        engine: AsyncEngine,
        params: dict[str, Any] | None = None,
        native: NativeStatements | None = None,
    ) -> None:
        self.engine = engine
        self.params = params  # bound in every statement of the request (the owner of owned rows)
        self.native = native
        self._conn: AsyncConnection | None = None
        self._turn = asyncio.Lock()

    async def rows(
        self, statement: Executable, parameters: dict[str, Any] | None = None
    ) -> Sequence[Sequence[Any]]:
        async with self._turn:
            if self._conn is None:
                self._conn = await self.engine.connect()
            if self.params:
                parameters = {**self.params, **(parameters or {})}
            compiled = self.native.get(statement) if self.native is not None else None
            if compiled is not None:
                return await fetch(self._conn, compiled, parameters)
            return (await self._conn.execute(statement, parameters)).all()

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None


async def load_root(
    engine: AsyncEngine,
    plan: RootPlan,
    params: dict[str, Any] | None = None,
    native: NativeStatements | None = None,
) -> tuple[list[Row], int | None]:
    """The root rows with their whole subtree, and the total count when the plan has one."""
    conn = RequestConnection(engine, params, native)
    try:
        records = await conn.rows(plan.statement)
        build = plan.node.row
        rows = [build(record) for record in records]
        count = await _count(conn, plan) if plan.count_statement is not None else None
        await fill(conn, plan.node, records, rows)
    finally:
        await conn.close()
    return rows, count


async def _count(conn: RequestConnection, plan: RootPlan) -> int:
    assert plan.count_statement is not None
    [(count, *_)] = await conn.rows(plan.count_statement)
    return int(count)


async def fill(conn: RequestConnection, node: NodePlan, records: Records, rows: list[Row]) -> None:
    """Load every child path of ``node`` for ``rows`` (each row object once, beside the fetched record
    it was built from, which holds the join keys)."""
    if not node.children or not rows:
        return
    if len(node.children) == 1:
        await _fill_child(conn, node.children[0], records, rows)
    else:
        await asyncio.gather(*(_fill_child(conn, child, records, rows) for child in node.children))


async def _fill_child(conn: RequestConnection, plan: ChildPlan, records: Records, rows: list[Row]) -> None:
    """One child path for one level, in one statement with every distinct parent key of the level."""
    index, key = plan.parent_index, plan.key
    keys = list(dict.fromkeys(v for record in records if (v := record[index]) is not None))
    fetched = await conn.rows(plan.statement, plan.bind_keys(keys)) if keys else ()
    build = plan.node.row
    child_rows = [build(record) for record in fetched]
    child_records: Records = fetched
    if plan.edge.many:
        lists: dict[Any, list[Row]] = {}
        for record, row in zip(fetched, child_rows, strict=True):
            group = lists.get(record[-1])  # the parent key is the record's last column
            if group is None:
                lists[record[-1]] = [row]
            else:
                group.append(row)
        for record, parent in zip(records, rows, strict=True):
            parent[key] = lists.get(record[index], [])
    else:
        single: dict[Any, Row] = {}
        firsts: list[int] = []
        for number, record in enumerate(fetched):
            if record[-1] not in single:
                single[record[-1]] = child_rows[number]
                firsts.append(number)
        if len(firsts) < len(child_rows):  # a key matched more than one row: the first one counts
            child_records = [fetched[n] for n in firsts]
            child_rows = [child_rows[n] for n in firsts]
        for record, parent in zip(records, rows, strict=True):
            value = single.get(record[index])
            if value is None and plan.required:
                raise Unshaped
            parent[key] = value
    await fill(conn, plan.node, child_records, child_rows)
