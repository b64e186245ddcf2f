"""Read statements sent straight to asyncpg: the query graph's reads on PostgreSQL.

Why: SQLAlchemy's execution and result layers cost more than the rest of a nested read's database side.
Measured in one process, alternating 20-request batches, N=100 nested read over the ASGI app: CPU per
request fell by 20-22 % with its six statements fetched through asyncpg directly, and by 2 % with
``exec_driver_sql`` on pre-compiled text, so the cost is in executing and wrapping results, not in
compiling. SQLAlchemy still builds and compiles each statement, once per plan; only the execution skips
its layers.

A statement is sent natively only when that changes nothing: every result column's type hands back
asyncpg's own value unchanged in SQLAlchemy (:data:`FINAL_TYPES`, or a ``TypeDecorator`` that says so
with ``asyncpg_value_is_final = True``), and no parameter is rendered at execution time; any other
statement goes through SQLAlchemy as before. ``tests/query/test_native_reads.py`` checks that both ways
return the same values, of the same types, for every entity's fields.

SQLAlchemy's events never see these statements, so they are reported to :func:`listen` callbacks
(``db/counting.py`` counts them like any other).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Enum, Executable, Integer, Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeDecorator, TypeEngine

# Types whose asyncpg value is what SQLAlchemy's asyncpg dialect hands back (no result processing:
# text, integers, booleans, numerics as Decimal, timestamps, JSON decoded by the codec the dialect sets
# on every connection).
FINAL_TYPES: tuple[type[TypeEngine[Any]], ...] = (String, Integer, Boolean, Numeric, DateTime, JSON)
FINAL_MARK = "asyncpg_value_is_final"
_CACHE_SIZE = 4096

Listener = Callable[[str], None]
_listeners: dict[Any, list[Listener]] = {}


@dataclass(frozen=True)
class NativeStatement:
    sql: str
    compiled: SQLCompiler
    order: tuple[str, ...]  # the bound parameters' names, in $1, $2 ... order
    processors: tuple[Callable[[Any], Any] | None, ...]  # their bind processors, in the same order

    def arguments(self, parameters: dict[str, Any] | None) -> list[Any]:
        values = self.compiled.construct_params(parameters or {})
        return [
            value if process is None or value is None else process(value)
            for value, process in zip((values[name] for name in self.order), self.processors, strict=True)
        ]


def _final(type_: TypeEngine[Any]) -> bool:
    if isinstance(type_, TypeDecorator):
        return bool(getattr(type_, FINAL_MARK, False))
    if isinstance(type_, Numeric) and not type_.asdecimal:
        return False  # SQLAlchemy converts these to float
    if isinstance(type_, Enum):
        return False  # a String that may hand back Python enum members
    return isinstance(type_, FINAL_TYPES)


def native_statement(statement: ClauseElement, dialect: Dialect) -> NativeStatement | None:
    """``statement`` compiled for direct execution, or None when SQLAlchemy must execute it."""
    columns = getattr(statement, "selected_columns", None)
    if columns is None or not all(_final(column.type) for column in columns):
        return None
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    if "POSTCOMPILE" in compiled.string or compiled.positiontup is None:
        return None
    order = tuple(compiled.positiontup)
    processors = tuple(compiled.binds[name].type.bind_processor(dialect) for name in order)
    return NativeStatement(compiled.string, compiled, order, processors)


class NativeStatements:
    """The native form of each statement, compiled once (a bounded LRU by statement identity)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.dialect = engine.dialect
        self.enabled = engine.dialect.name == "postgresql" and engine.dialect.driver == "asyncpg"
        self._entries: OrderedDict[int, tuple[ClauseElement, NativeStatement | None]] = OrderedDict()

    def get(self, statement: Executable) -> NativeStatement | None:
        if not self.enabled or not isinstance(statement, ClauseElement):
            return None
        entry = self._entries.get(id(statement))
        if entry is not None and entry[0] is statement:
            self._entries.move_to_end(id(statement))
            return entry[1]
        native = native_statement(statement, self.dialect)
        self._entries[id(statement)] = (statement, native)  # keeps the statement, so its id is unique
        if len(self._entries) > _CACHE_SIZE:
            self._entries.popitem(last=False)
        return native


async def fetch(
    conn: AsyncConnection, native: NativeStatement, parameters: dict[str, Any] | None
) -> Sequence[Sequence[Any]]:
    """The rows of ``native`` run on ``conn``'s asyncpg connection (one statement at a time on it)."""
    for listener in _listeners.get(conn.engine.sync_engine.pool, ()):
        listener(native.sql)
    raw = await conn.get_raw_connection()
    rows: Sequence[Sequence[Any]] = await raw.driver_connection.fetch(  # type: ignore[union-attr]
        native.sql, *native.arguments(parameters)
    )
    return rows


def listen(engine: AsyncEngine, listener: Listener) -> None:
    """Call ``listener(sql)`` for every statement sent natively through ``engine``'s pool."""
    _listeners.setdefault(engine.sync_engine.pool, []).append(listener)


def unlisten(engine: AsyncEngine, listener: Listener) -> None:
    listeners = _listeners.get(engine.sync_engine.pool, [])
    if listener in listeners:
        listeners.remove(listener)
    if not listeners:
        _listeners.pop(engine.sync_engine.pool, None)
