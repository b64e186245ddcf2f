"""Measurement 1: the nested read for N = 10, 100, 1000 against the floor.

Variants: (a) and (b) from :mod:`bench.floor`; the GraphQL schema in process (``schema.execute`` then
orjson, as the HTTP endpoint does); the same over HTTP (uvicorn subprocess, httpx client); and
``query.graph`` in Python (to Python objects, no serialisation). Every variant's answer is checked
against (a) before anything is timed.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import orjson

from bench import floor
from bench.counting import counting
from bench.report import table
from bench.server import headers
from bench.settings import NESTED_FIELDS, NESTED_QUERY
from bench.timing import Timing, measure_in_blocks
from paymentgraph.query.selection import Request

SIZES = (10, 100, 1000)
FLOOR_A = "(a) floor: 1 SQL statement → JSON"
FLOOR_B = "(b) floor: 6 batched asyncpg SELECTs + orjson"
GRAPHQL = "GraphQL in process (schema.execute + orjson)"
GRAPHQL_STOCK = "GraphQL in process, stock graphql-core executor (reference)"
GRAPHQL_HTTP = "GraphQL over HTTP (uvicorn, 1 worker, httpx)"
QUERY_GRAPH = "query.graph in Python (to dicts)"


def graphql_request_body(take: int, skip: int = 0) -> bytes:
    return orjson.dumps({"query": NESTED_QUERY, "variables": {"take": take, "skip": skip}})


# The seeded collections every timed request pages through: each call reads another page, so neither
# a plan cache keyed by values nor PostgreSQL's buffer of the last rows flatters a variant.
PAGED_COLLECTIONS = 10_000


def offsets(take: int) -> Callable[[], int]:
    """Successive page offsets for ``take`` rows, hopping through the seeded collections."""
    pages = max(1, PAGED_COLLECTIONS // take)
    step = 7 if pages % 7 else 1  # 7 is prime: stepping by it visits every page before repeating
    position = itertools.count()
    return lambda: (next(position) * step % pages) * take


def _money(value: Any) -> str:
    return str(value) if isinstance(value, Decimal) else value


def graph_to_response(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A ``query.graph`` answer in the GraphQL response shape (camelCase, Decimal strings, enum names)."""
    items = []
    for r in rows:
        cart = r.get("cart")
        items.append(
            {
                "id": r["id"],
                "amount": _money(r["amount"]),
                "currencyCode": r["currency_code"],
                "status": r["status"].upper(),
                "cart": None if cart is None else {"id": cart["id"], "email": cart["email"]},
                "paymentSessions": [
                    {
                        "id": s["id"],
                        "amount": _money(s["amount"]),
                        "status": s["status"].upper(),
                        "providerId": s["provider_id"],
                    }
                    for s in r["payment_sessions"]
                ],
                "payments": [
                    {
                        "id": p["id"],
                        "amount": _money(p["amount"]),
                        "capturedAmount": _money(p["captured_amount"]),
                        "captures": [{"id": k["id"], "amount": _money(k["amount"])} for k in p["captures"]],
                        "refunds": [{"id": k["id"], "amount": _money(k["amount"])} for k in p["refunds"]],
                    }
                    for p in r["payments"]
                ],
            }
        )
    return {"data": {"paymentCollections": {"items": items}}}


async def graphql_in_process(
    schema: Any, context_factory: Callable[[], Any], take: int, skip: int = 0
) -> bytes:
    """The in-process GraphQL path: execute, fail loudly on errors, dump with orjson."""
    result = await schema.execute(
        NESTED_QUERY, variable_values={"take": take, "skip": skip}, context_value=context_factory()
    )
    if result.errors:
        raise RuntimeError(f"GraphQL errors: {[str(e) for e in result.errors]}")
    return orjson.dumps({"data": result.data})


async def graphql_over_http(client: httpx.AsyncClient, url: str, body: bytes) -> bytes:
    response = await client.post(url, content=body, headers=headers())
    response.raise_for_status()
    return response.content


@dataclass(frozen=True)
class NestedRow:
    variant: str
    n: int
    timing: Timing
    statements: str
    ratio: float


@dataclass
class Targets:
    """What one measured database offers: the floor pool, a PaymentGraph, the schema, maybe HTTP."""

    pool: Any
    pg: Any
    schema: Any
    context_factory: Callable[[], Any]
    http: tuple[httpx.AsyncClient, str] | None
    stock_schema: Any = None  # the same schema on strawberry's own execution context, for comparison


def _variants(t: Targets, take: int, *, vary: bool = True) -> dict[str, Callable[[], Awaitable[Any]]]:
    """One call per variant; with ``vary`` each call of a variant reads the next page (``offsets``),
    without it the first page (to compare the variants' documents)."""

    def pages() -> Callable[[], int]:
        return offsets(take) if vary else lambda: 0

    a, b, gql, stock, graph, http = (pages() for _ in range(6))
    variants: dict[str, Callable[[], Awaitable[Any]]] = {
        FLOOR_A: lambda: floor.single_statement(t.pool, take, a()),
        FLOOR_B: lambda: floor.batched(t.pool, take, b()),
        GRAPHQL: lambda: graphql_in_process(t.schema, t.context_factory, take, gql()),
        **(
            {GRAPHQL_STOCK: lambda: graphql_in_process(t.stock_schema, t.context_factory, take, stock())}
            if t.stock_schema is not None
            else {}
        ),
        # The structured entry point GraphQL uses: query.graph's pagination with a skip would add
        # Medusa's COUNT statement, which the other variants do not run.
        QUERY_GRAPH: lambda: t.pg.query.run(
            Request(t.pg.query.selection("payment_collection", NESTED_FIELDS), skip=graph(), take=take)
        ),
    }
    if t.http is not None:
        client, url = t.http
        variants[GRAPHQL_HTTP] = lambda: graphql_over_http(client, url, graphql_request_body(take, http()))
    return variants


async def _answer(name: str, call: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    value = await call()
    if name == QUERY_GRAPH:
        return graph_to_response(value["data"])
    return orjson.loads(value)


async def check_same(t: Targets, take: int) -> None:
    """Every variant returns (a)'s document; raises with the first difference otherwise."""
    variants = _variants(t, take, vary=False)
    expected = await _answer(FLOOR_A, variants[FLOOR_A])
    assert len(expected["data"]["paymentCollections"]["items"]) == take
    for name, call in variants.items():
        got = await _answer(name, call)
        if got != expected:
            raise AssertionError(
                f"{name} differs from the floor at N={take}: {_first_difference(expected, got)}"
            )


def _first_difference(expected: Any, got: Any, path: str = "") -> str:
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in expected.keys() | got.keys():
            if expected.get(key) != got.get(key):
                return _first_difference(expected.get(key), got.get(key), f"{path}.{key}")
    if isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            if e != g:
                return _first_difference(e, g, f"{path}[{i}]")
    return f"{path or '<root>'}: expected {str(expected)[:200]!r}, got {str(got)[:200]!r}"


async def statements(t: Targets, name: str, call: Callable[[], Awaitable[Any]]) -> str:
    if name == FLOOR_A:
        return "1"
    if name == FLOOR_B:
        return str(floor.BATCHED_STATEMENTS)
    if name == GRAPHQL_HTTP:
        return "same as in process"
    with counting(t.pg.engine) as counter:
        await call()
    return str(counter.count)


async def run_nested(t: Targets, runs: dict[int, int], *, sizes: tuple[int, ...] = SIZES) -> list[NestedRow]:
    rows: list[NestedRow] = []
    for take in sizes:
        await check_same(t, take)
        variants = _variants(t, take)
        timings = await measure_in_blocks(variants, runs[take])
        floor_ms = min(timings[FLOOR_A].median, timings[FLOOR_B].median)
        for name, call in variants.items():
            count = await statements(t, name, call)
            rows.append(NestedRow(name, take, timings[name], count, timings[name].median / floor_ms))
    return rows


def nested_table(rows: list[NestedRow]) -> str:
    return table(
        ["N", "variant", "min ms", "median ms", "max ms", "runs", "x floor", "SQL statements"],
        [
            [str(r.n), r.variant, *r.timing.cells(), str(r.timing.runs), f"{r.ratio:.2f}", r.statements]
            for r in rows
        ],
    )
