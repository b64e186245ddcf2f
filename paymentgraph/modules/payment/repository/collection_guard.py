"""Guarded writes of a collection: decided on an unlocked read, written in one statement only if
nothing read has changed since (PostgreSQL, on an AUTOCOMMIT connection).

Create session, authorize and the capture's settlement decide on a read of the collection (and of the
session, or the payment and the capture) with each row's version, then write through
:func:`write_if_unchanged`: one statement whose guard row-locks what was read at the versions read, and
whose writes, collection update and events are data-modifying CTEs conditional on that guard. A guard
that fails writes nothing and the caller takes the locked path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, Table, bindparam, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from paymentgraph.events.outbox import guarded_events, insert_events_if, wake_local_dispatchers
from paymentgraph.modules.payment.repository.collections import COLLECTION, VERSION


@dataclass(frozen=True)
class Guarded:
    """One write of :func:`write_if_unchanged`: INSERT ``values`` into ``table`` (``id`` None), or
    UPDATE its row ``id`` with them."""

    table: Table
    values: Mapping[str, Any]
    id: str | None = None


# The guarded statements by shape (built once each: building one cost about as much CPU as running it).
_GUARDED: dict[tuple[Any, ...], Any] = {}
_GUARDED_SHAPES = 512


async def write_if_unchanged(
    conn: AsyncConnection,
    guard: Callable[[], Any],
    guard_params: Mapping[str, Any],
    collection_id: str,
    values: Mapping[str, Any],
    writes: Sequence[Guarded],
    events: Sequence[dict[str, Any]],
    *,
    result: Callable[[Any], Any] | None = None,
    result_params: Mapping[str, Any] | None = None,
) -> list[RowMapping] | None:
    """One statement (PostgreSQL, on an AUTOCOMMIT connection: the statement is the transaction) that
    row-locks what ``guard()`` selects, and only if it selects a row writes the collection's ``values``
    (none: a new row version all the same, see :func:`write_recomputed`), the ``writes`` and the
    ``events``; returns the rows of ``result(condition)`` (a SELECT that returns at least one row where
    ``condition`` holds; default: the guard's row), read as of the statement's start; None: nothing
    written.

    ``guard()`` is a locking SELECT (FOR NO KEY UPDATE) of the collection, and of any other row the
    decision was made on, each at the version the caller read (see ``VERSION``), with its values as
    parameters named ``guard_*`` (``guard_params``; ``result_*`` for ``result``). A statement that
    waited for such a lock re-checks its condition on the newest row, so a collection changed and
    committed since it was read fails the guard; and a collection still at the version read still has
    the facts read with it, because every committed change of them writes a new version of it
    (write_recomputed). Every write is conditional on the guard: data-modifying CTEs all run, whatever
    the main query reads.
    """
    event_params = guarded_events(events)
    params: dict[str, Any] = {**guard_params, **(result_params or {}), **event_params}
    for n, write in enumerate(writes):
        params.update({f"w{n}_{k}": v for k, v in write.values.items()})
        if write.id is not None:
            params[f"w{n}_pk"] = write.id
    params.update({f"c_{k}": v for k, v in values.items()})
    params["c_pk"] = collection_id
    count = len(events) if event_params else 0
    shape = (
        guard,
        result,
        tuple((w.table.name, w.id is None, tuple(w.values)) for w in writes),
        tuple(values),
        count,
    )
    stmt = _GUARDED.get(shape)
    if stmt is None:
        stmt = _guarded_statement(guard, result, writes, values, count)
        if len(_GUARDED) >= _GUARDED_SHAPES:
            _GUARDED.clear()
        _GUARDED[shape] = stmt
    rows = list((await conn.execute(stmt, params)).mappings())
    if not rows:
        return None
    if count:
        wake_local_dispatchers()
    return rows


def _guarded_statement(
    guard: Callable[[], Any],
    result: Callable[[Any], Any] | None,
    writes: Sequence[Guarded],
    values: Mapping[str, Any],
    events: int,
) -> Any:
    checked = guard().cte("guard")
    passed = exists(select(checked.c.id))
    statements: list[Any] = []
    for n, write in enumerate(writes):
        table = write.table
        binds = {k: bindparam(f"w{n}_{k}", type_=table.c[k].type) for k in write.values}
        if write.id is None:
            source = select(*(b.label(k) for k, b in binds.items())).where(passed)
            statements.append(insert(table).from_select(list(binds), source))
        else:
            statements.append(update(table).where(table.c.id == bindparam(f"w{n}_pk"), passed).values(binds))
    row: dict[str, Any] = {k: bindparam(f"c_{k}", type_=COLLECTION.c[k].type) for k in values}
    statements.append(
        update(COLLECTION)
        .where(COLLECTION.c.id == bindparam("c_pk"), passed)
        .values(row or {"updated_at": COLLECTION.c.updated_at})
    )
    if events:
        statements.append(insert_events_if(events, passed))
    stmt: Any = select(checked.c.id) if result is None else result(passed)
    for n, statement in enumerate(statements):
        stmt = stmt.add_cte(statement.cte(f"guarded_{n}"))
    return stmt


def collection_guard() -> Any:
    """The guard of :func:`write_if_unchanged` for a decision made on the collection alone
    (``guard_collection_id``, ``guard_collection_version``)."""
    return (
        select(COLLECTION.c.id)
        .where(
            COLLECTION.c.id == bindparam("guard_collection_id"),
            COLLECTION.c.deleted_at.is_(None),
            bindparam("guard_collection_version") == VERSION,
        )
        .with_for_update(of=COLLECTION, key_share=True)
    )
