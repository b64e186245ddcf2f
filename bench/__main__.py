"""``python -m bench [--quick] [--profile] [--skip-load] [--skip-sqlite]``: every measurement."""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import httpx
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bench import events, flows, nested, subscriptions, webhooks
from bench.load import LoadRow, load_table, run_load
from bench.nested import GRAPHQL, NestedRow, Targets, nested_table, run_nested
from bench.profile import cprofile_top, pyinstrument_tree
from bench.report import Report, machine
from bench.seed import seed_all
from bench.server import serving
from bench.settings import BENCH_DIR, MAX_QUERY_COST, Scale, asyncpg_dsn
from bench.targets import checks, checks_table
from paymentgraph import PaymentGraph
from paymentgraph.app import tune_gc
from paymentgraph.config import Settings
from paymentgraph.schema import create_schema
from paymentgraph.schema.context import Context

ANALYSIS = BENCH_DIR / "analysis.md"


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs and a short load test (< 2 minutes)")
    parser.add_argument("--profile", action="store_true", help="also profile the nested read at N=100")
    parser.add_argument("--skip-load", action="store_true", help="leave out the sustained HTTP load test")
    parser.add_argument("--skip-sqlite", action="store_true", help="leave out the SQLite rows")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite bench/RESULTS.md")
    return parser.parse_args()


_NESTED_NOTE = """

x floor: the median divided by the faster median of (a) and (b) at the same N. Each variant runs back to
back (warm, as in the floor study, docs/performance.md) in four blocks that take turns with the other
variants' blocks, so a burst of load from elsewhere on the shared machine falls on all of them alike.
Every variant returned the same document as (a) before it was timed. Statements are counted on the
engine (transaction control excluded); over HTTP they are the in-process statements of the same code.
The benchmark raises the query cost limit (PAYMENTGRAPH_MAX_QUERY_COST) so that N=1000 is accepted."""


async def _nested(
    pg_url: str, sqlite_url: str, scale: Scale, args: argparse.Namespace, report: Report
) -> list[NestedRow]:
    schema = create_schema(settings=Settings(max_query_cost=MAX_QUERY_COST))
    stock = create_schema(settings=Settings(max_query_cost=MAX_QUERY_COST))
    stock.execution_context_class = StrawberryGraphQLCoreExecutionContext
    # The in-process figures use the GC tuning `paymentgraph serve` applies after start-up.
    tune_gc()
    pool = await nested.floor.open_pool(asyncpg_dsn(pg_url))
    try:
        async with PaymentGraph.connect(pg_url) as pg, httpx.AsyncClient(timeout=60) as client:
            with serving(pg_url, workers=1) as url:
                targets = Targets(pool, pg, schema, lambda: Context(pg=pg), (client, url), stock)
                rows = await run_nested(targets, scale.runs)
            report.add("Nested read, PostgreSQL", nested_table(rows) + _NESTED_NOTE)
            if args.profile:
                await _profile(targets, report)
        if not args.skip_sqlite:
            async with PaymentGraph.connect(sqlite_url) as lite:
                targets = Targets(pool, lite, schema, lambda: Context(pg=lite), None)
                runs = {n: max(5, r // 4) for n, r in scale.runs.items()}
                lite_rows = await run_nested(targets, runs)
            report.add(
                "Nested read, SQLite (x floor: against the PostgreSQL floor of the same run)",
                nested_table([r for r in lite_rows if r.variant in (GRAPHQL, nested.QUERY_GRAPH)]),
            )
    finally:
        await pool.close()
    return rows


async def _profile(targets: Targets, report: Report) -> None:
    def call() -> Any:
        return nested.graphql_in_process(targets.schema, targets.context_factory, 100)

    functions, packages = await cprofile_top(call, 40)
    tree = await pyinstrument_tree(call, 40)
    note = "" if tree is None else "\n\nThe pyinstrument call tree is in bench/.data/profile_nested.txt."
    report.add(
        "Profile: GraphQL in process, N=100 (cProfile self time, 40 requests)",
        functions + "\n\nBy package:\n\n" + packages + note,
    )


def _summary(rows: list[NestedRow], flow_rows: list[flows.FlowRow], load: list[LoadRow]) -> str:
    ratio = {r.n: r.ratio for r in rows if r.variant == GRAPHQL}
    statements = next(r.statements for r in rows if r.variant == GRAPHQL and r.n == 100)
    python_pg = next(r for r in flow_rows if r.database == "PostgreSQL" and r.clients == 1)
    flows_per_s = python_pg.per_second
    first = next((r for r in load if r.workers == 1 and r.connections == 16), None)
    rps = f"{first.rps:.1f}" if first else "n/a"
    p99 = f"{first.p99_ms:.0f}" if first else "n/a"
    # Errors and dropped connections at 64 connections, one worker (503 answers are not errors).
    at_64 = next((r for r in load if r.workers == 1 and r.connections == 64), None)
    errors_64 = str(at_64.errors) if at_64 else "n/a"
    return (
        f"summary: nested_ratio_n10={ratio[10]:.2f} nested_ratio_n100={ratio[100]:.2f} "
        f"nested_ratio_n1000={ratio[1000]:.2f} statements_n100={statements} flows_per_s={flows_per_s:.1f} "
        f"statements_per_flow={python_pg.with_control} "
        f"http_rps_n100={rps} http_p99_ms_n100={p99} http_errors_c64={errors_64}"
    )


def main() -> None:
    args = _args()
    scale = Scale.quick() if args.quick else Scale.full()
    started = time.perf_counter()
    pg_url, sqlite_url = asyncio.run(seed_all(scale.collections))
    kind = (
        "`python -m bench --quick` (reduced runs and load)" if args.quick else "`python -m bench` (full run)"
    )
    preamble = (
        f"Produced by {kind}, {scale.collections} seeded collections.\n\n{machine(asyncpg_dsn(pg_url))}"
    )
    report = Report("paymentgraph benchmark results")
    rows = asyncio.run(_nested(pg_url, sqlite_url, scale, args, report))
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as isolated:
        flow_rows, flow_section = isolated.submit(flows.suite_in_own_process, scale).result()
    report.sections.append(flow_section)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as isolated:
        deliveries = 50 if args.quick else 200
        report.sections.append(
            isolated.submit(events.suite_in_own_process, scale.flow_count, deliveries).result()
        )
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as isolated:
        report.sections.append(isolated.submit(subscriptions.suite_in_own_process, 1000, 30).result())
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as isolated:
        report.sections.append(
            isolated.submit(webhooks.suite_in_own_process, 50 if args.quick else 300).result()
        )
    load: list[LoadRow] = []
    if not args.skip_load:
        load = run_load(pg_url, scale.load_seconds)
        report.add(
            f"Sustained HTTP load, nested read N=100, {scale.load_seconds:.0f} s per row", load_table(load)
        )
    report.add("Targets (issue 15)", checks_table(checks(rows, flow_rows, load)))
    if ANALYSIS.exists() and not args.quick:
        report.sections.append(ANALYSIS.read_text())
    summary = _summary(rows, flow_rows, load)
    preamble += f"\n- Whole run: {time.perf_counter() - started:.0f} s."
    if not args.no_write:
        report.write(BENCH_DIR / "RESULTS.md", preamble, summary)
    print(summary)


if __name__ == "__main__":
    main()
