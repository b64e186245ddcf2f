"""``python -m bench.versus REV``: this checkout's server against commit REV's, same machine, alternating.

Requests per second depend on the machine (this 2-core kind ran the same commit at 155 req/s on one
day and under 90 on another), so a target like "1.5x today's requests per second" is checked by
serving both commits here, one after the other, under the same load generator (bench/loadgen.mjs at
16 connections, the N=100 read with varied offsets), for a few alternating rounds. REV is unpacked
with ``git archive`` into bench/.data and started as ``paymentgraph serve`` from there, against the
seeded benchmark database (``python -m bench`` seeds it), without migrating it.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from statistics import mean

import httpx

from bench.load import BODIES, run_loadgen
from bench.nested import graphql_request_body, offsets
from bench.report import table
from bench.server import headers
from bench.settings import BENCH_DIR, DATA_DIR, SERVER_ENV, postgres_url

N = 100


def unpack(rev: str) -> Path:
    """Commit ``rev``'s tree in bench/.data/versus-<rev> (unpacked once)."""
    target = DATA_DIR / f"versus-{rev}"
    if not (target / "paymentgraph").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(BENCH_DIR.parent), "archive", rev], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def measure(source: Path, bodies: list[bytes], connections: int, seconds: float) -> dict[str, float]:
    """Serve ``source``'s code (one worker) and put the load generator on it for ``seconds``."""
    port = _free_port()
    env = {**os.environ, **SERVER_ENV, "PYTHONPATH": str(source), "PAYMENTGRAPH_DATABASE_URL": postgres_url()}
    command = [
        *(sys.executable, "-m", "paymentgraph.cli", "serve", "--no-migrate", "--host", "127.0.0.1"),
        *("--port", str(port), "--workers", "1", "--no-access-log", "--log-level", "warning"),
    ]
    server = subprocess.Popen(command, env=env, cwd=source, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        _wait_until_answering(server, url, bodies[0])
        return run_loadgen(url, bodies, connections, seconds)
    finally:
        server.terminate()
        server.wait(30)


def _wait_until_answering(server: subprocess.Popen[bytes], url: str, body: bytes) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            said = server.stderr.read().decode()[-2000:] if server.stderr else ""
            raise RuntimeError(f"the server exited: {said}")
        try:
            answer = httpx.post(url, content=body, headers=headers(), timeout=10)
            if answer.status_code == 200:
                if b'"errors"' in answer.content:
                    raise RuntimeError(f"the server answered with errors: {answer.text[:500]}")
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not answer within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.versus", description=__doc__)
    parser.add_argument("rev", help="the commit to compare against, e.g. 5789ba6 (issue 15 was filed there)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    next_offset = offsets(N)
    bodies = [graphql_request_body(N, next_offset()) for _ in range(BODIES)]
    sources = {args.rev: unpack(args.rev), "this checkout": BENCH_DIR.parent}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in sources}
    for _ in range(args.rounds):
        for name, source in sources.items():
            runs[name].append(measure(source, bodies, args.connections, args.seconds))
    rows = []
    for name, results in runs.items():
        rates = [r["rps"] for r in results]
        p99s = ", ".join(f"{r['p99_ms']:.0f}" for r in results)
        errors = sum(int(r["errors"]) for r in results)
        rows.append([name, *(f"{rate:.1f}" for rate in rates), f"{mean(rates):.1f}", p99s, str(errors)])
    headers_ = ["server", *(f"round {i + 1} req/s" for i in range(args.rounds)), "mean", "p99 ms", "errors"]
    print(table(headers_, rows))
    ratio = mean(r["rps"] for r in runs["this checkout"]) / mean(r["rps"] for r in runs[args.rev])
    print(f"\nthis checkout / {args.rev}: {ratio:.2f}x requests per second at {args.connections} connections")


if __name__ == "__main__":
    main()
