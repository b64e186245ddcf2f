"""Measurement 3: sustained HTTP load on the nested read at N=100 (load generator in its own process).

``python -m bench.load [--workers 1] [--connections 64 256] [--seconds 15]`` runs only the rows asked for
against the seeded PostgreSQL database (``python -m bench`` seeds it) and prints their table, e.g. to
compare two commits alternately on the overload rows (bench/analysis.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import orjson

from bench.nested import graphql_request_body, offsets
from bench.report import table
from bench.server import headers, serving
from bench.settings import BENCH_DIR

WORKERS = (1, 2)
CONNECTIONS = (16, 64, 256)
# Distinct pages the load generator sends in turn, so the server's caches keyed by values never
# flatter it (the plans and selections are cached by shape, which every body shares).
BODIES = 64


@dataclass(frozen=True)
class LoadRow:
    workers: int
    connections: int
    seconds: float
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    problems: tuple[str, ...] = ()
    # 503 + Retry-After answers (the worker at capacity): neither successes nor errors.
    refused: int = 0
    refused_p99_ms: float = 0.0
    refused_p50_ms: float = 0.0
    # The untimed first request of every connection at once (bench/loadgen.mjs): the run's worst burst.
    first_burst_refused_max_ms: float = 0.0


def load_generator() -> str:
    """``node`` (bench/loadgen.mjs) when the machine has it, else the Python one (bench/loadgen.py)."""
    return (
        "node"
        if shutil.which("node") and not os.environ.get("PAYMENTGRAPH_BENCH_PYTHON_LOADGEN")
        else "python"
    )


def run_loadgen(url: str, bodies: list[bytes], connections: int, seconds: float) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(BENCH_DIR.parent) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    if load_generator() == "node":
        config = {
            "url": url,
            "bodies": [b.decode() for b in bodies],
            "headers": headers(),
            "connections": connections,
            "seconds": seconds,
        }
        command = ["node", str(BENCH_DIR / "loadgen.mjs"), orjson.dumps(config).decode()]
    else:
        # The Python generator sends one body: it is the fallback, not the measurement of record.
        command = [
            sys.executable,
            "-m",
            "bench.loadgen",
            url,
            bodies[0].decode(),
            str(connections),
            str(seconds),
        ]
    out = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        cwd=BENCH_DIR.parent,
        timeout=seconds + 120,
        check=True,
    )
    result: dict[str, Any] = orjson.loads(out.stdout.strip().splitlines()[-1])
    return result


def run_load(
    database_url: str,
    seconds: float,
    take: int = 100,
    workers_rows: tuple[int, ...] = WORKERS,
    connections_rows: tuple[int, ...] = CONNECTIONS,
) -> list[LoadRow]:
    page = offsets(take)
    bodies = [graphql_request_body(take, page()) for _ in range(BODIES)]
    rows: list[LoadRow] = []
    for workers in workers_rows:
        with serving(database_url, workers=workers) as url:
            for connections in connections_rows:
                r = run_loadgen(url, bodies, connections, seconds)
                rows.append(
                    LoadRow(
                        workers,
                        connections,
                        r["seconds"],
                        int(r["requests"]),
                        int(r["errors"]),
                        r["rps"],
                        r["p50_ms"],
                        r["p99_ms"],
                        r["max_ms"],
                        tuple(r.get("problems", ())),
                        int(r.get("refused", 0)),
                        float(r.get("refused_p99_ms", 0.0)),
                        float(r.get("refused_p50_ms", 0.0)),
                        float(r.get("first_burst_refused_max_ms", 0.0)),
                    )
                )
    return rows


def load_table(rows: list[LoadRow]) -> str:
    problems = [
        f"- {r.workers} worker(s), {r.connections} connections: {p}" for r in rows for p in r.problems
    ]
    note = ("\n\nFirst errors seen:\n\n" + "\n".join(problems)) if problems else ""
    generator = (
        "bench/loadgen.mjs (Node.js), 64 distinct pages in turn; a client refused with 503 waits as "
        "Retry-After asks; the first burst is every connection's untimed first request at once"
        if load_generator() == "node"
        else "bench/loadgen.py (httpx, one repeated body, a 503 retried at once: no Node.js on this machine)"
    )
    note = f"\n\nLoad generator: {generator}.{note}"
    return (
        table(
            [
                "uvicorn workers",
                "connections",
                "seconds",
                "requests",
                "errors",
                "503s",
                "503 p50 / p99 ms",
                "first burst 503 max ms",
                "req/s",
                "p50 ms",
                "p99 ms",
                "max ms",
            ],
            [
                [
                    str(r.workers),
                    str(r.connections),
                    f"{r.seconds:.1f}",
                    str(r.requests),
                    str(r.errors),
                    str(r.refused),
                    f"{r.refused_p50_ms:.1f} / {r.refused_p99_ms:.1f}",
                    f"{r.first_burst_refused_max_ms:.1f}",
                    f"**{r.rps:.1f}**",
                    f"{r.p50_ms:.1f}",
                    f"{r.p99_ms:.1f}",
                    f"{r.max_ms:.1f}",
                ]
                for r in rows
            ],
        )
        + note
    )


def main() -> None:
    from bench.seed import seed_postgres
    from bench.settings import Scale

    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="uvicorn workers (default 1)")
    parser.add_argument("--connections", type=int, nargs="+", default=list(CONNECTIONS))
    parser.add_argument("--seconds", type=float, default=15.0, help="per row (default 15)")
    args = parser.parse_args()
    database_url = asyncio.run(seed_postgres(Scale.full().collections))
    rows = run_load(
        database_url,
        args.seconds,
        workers_rows=tuple(args.workers),
        connections_rows=tuple(args.connections),
    )
    print(load_table(rows))


if __name__ == "__main__":
    main()
