"""Shaped requests: the query graph builds each row as the response carries it (query/rows.py).

GraphQL asks for these (schema/shaping.py); here the Python API asks directly, with outputs written by
hand, so what the query graph itself promises is pinned down: response keys in output order, values
converted, constants, children under their keys, no join
keys, and Unshaped, never a half-shaped row, when a value cannot be represented.
"""

from __future__ import annotations

from typing import Any

import pytest

from paymentgraph.errors import InvalidData
from paymentgraph.query.rows import Unshaped
from paymentgraph.query.selection import Child, Output, OutputField, Request, Selection


def _sessions_output(status: Any = str.upper) -> Output:
    return Output(
        (
            OutputField("sessionId", column="id", required=True),
            OutputField("state", column="status", convert=status, required=True),
        )
    )


def _request(world: Any, sessions: Output, *, shaped: bool = True, **kwargs: Any) -> Request:
    child = Child("payment_sessions", Selection("payment_session", {"id", "status"}, output=sessions))
    output = Output(
        (
            OutputField("kind", constant="Collection"),
            OutputField("total", column="amount", convert=lambda amount: format(amount, "f"), required=True),
            OutputField("sessions", child=sessions),
            OutputField("pk", column="id", required=True),
        )
    )
    selection = Selection("payment_collection", {"id", "amount"}, {"sessions": child}, output=output)
    return Request(selection, {"id": ["pc_1", "pc_2"]}, order={"id": "ASC"}, shaped=shaped, **kwargs)


async def test_rows_come_keyed_and_valued_as_the_output_says(world: Any) -> None:
    graph = world.graph()
    rows = (await graph.run(_request(world, _sessions_output())))["data"]
    assert [list(row) for row in rows] == [["kind", "total", "sessions", "pk"]] * 2
    first = rows[0]
    assert first["kind"] == "Collection"
    assert first["pk"] == "pc_1"
    assert (first["total"], rows[1]["total"]) == ("40.00", "100")  # stored amounts, converted as stored
    assert {session["state"] for session in first["sessions"]} <= {
        "PENDING",
        "AUTHORIZED",
        "CANCELED",
        "ERROR",
    }
    assert all(list(session) == ["sessionId", "state"] for row in rows for session in row["sessions"])


async def test_the_same_request_unshaped_is_column_keyed(world: Any) -> None:
    graph = world.graph()
    rows = (await graph.run(_request(world, _sessions_output(), shaped=False)))["data"]
    assert set(rows[0]) == {"id", "amount", "sessions"}
    assert all(set(session) == {"id", "status"} for session in rows[0]["sessions"])


async def test_a_value_the_output_cannot_represent_raises_unshaped(world: Any) -> None:
    def refuse(_value: Any) -> str:
        raise ValueError("not this one")

    with pytest.raises(Unshaped):
        await world.graph().run(_request(world, _sessions_output(status=refuse)))


async def test_a_null_where_the_output_requires_a_value_raises_unshaped(world: Any) -> None:
    output = Output(
        (
            OutputField("id", column="id", required=True),
            OutputField("done", column="completed_at", required=True),
        )
    )
    request = Request(
        Selection("payment_collection", {"id", "completed_at"}, output=output), {"id": "pc_2"}, shaped=True
    )
    with pytest.raises(Unshaped):
        await world.graph().run(request)


async def test_a_shaped_request_needs_an_output_at_every_level(world: Any) -> None:
    child = Child("payment_sessions", Selection("payment_session", {"id"}))
    output = Output((OutputField("id", column="id"), OutputField("sessions", child=None)))
    request = Request(
        Selection("payment_collection", {"id"}, {"sessions": child}, output=output), shaped=True
    )
    with pytest.raises(InvalidData):
        await world.graph().run(request)
