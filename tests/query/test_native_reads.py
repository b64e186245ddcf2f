"""Reads fetched through asyncpg directly (db/native.py) return exactly what SQLAlchemy returns.

On PostgreSQL the query graph sends a statement straight to asyncpg when SQLAlchemy would hand back
asyncpg's own values unchanged. Every entity's every field, and the relations of the fixture world,
are read both ways here and compared value by value and type by type; a new column type whose values
SQLAlchemy converts (a TypeDecorator without ``asyncpg_value_is_final``) falls back by itself, and one
wrongly marked final fails here. On SQLite nothing is sent natively, and both reads are SQLAlchemy's.
"""

from __future__ import annotations

from typing import Any

from paymentgraph.db.counting import counting
from paymentgraph.links.registry import default_registry

NESTED = [
    "*",
    "payment_sessions.*",
    "payments.*",
    "payments.captures.*",
    "payments.refunds.*",
    "cart.*",
    "cart.region.*",
]


def _typed(value: Any) -> Any:
    """``value`` with the type of every leaf, so 1 and Decimal("1"), or two time zones, differ."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    tz = getattr(value, "tzinfo", None)
    return (type(value).__name__, value, repr(tz) if tz is not None else None)


async def _both_ways(world: Any, entity: str, fields: list[str]) -> tuple[Any, Any]:
    graph = world.graph()
    native = await graph.graph(entity, fields)
    graph.native.enabled = False
    through_sqlalchemy = await graph.graph(entity, fields)
    return native, through_sqlalchemy


async def test_every_field_of_every_entity_reads_the_same_both_ways(world: Any) -> None:
    registry = default_registry()
    compared = 0
    for name in registry.entities:
        native, through_sqlalchemy = await _both_ways(world, name, ["*"])
        assert _typed(native) == _typed(through_sqlalchemy), name
        compared += len(native["data"])
    assert compared > 10  # the fixture world has rows to compare


async def test_nested_reads_and_computed_amounts_read_the_same_both_ways(world: Any) -> None:
    native, through_sqlalchemy = await _both_ways(world, "payment_collection", NESTED)
    assert native["data"], "the fixture world has collections"
    assert _typed(native) == _typed(through_sqlalchemy)


async def test_native_statements_are_counted_and_sent_only_on_postgresql(world: Any) -> None:
    graph = world.graph()
    with counting(graph.engine) as counter:
        await graph.graph("payment_collection", ["id", "payment_sessions.id"])
    assert counter.count == 2  # the collections, then their sessions: counted whichever way they went
    sent_natively = graph.native.get(graph._plans[next(iter(graph._plans))].statement) is not None
    assert sent_natively == (world.engine.dialect.name == "postgresql")
