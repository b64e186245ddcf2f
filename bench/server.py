"""The app under test in its own uvicorn process on loopback, run as ``paymentgraph serve`` runs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from bench.settings import ADMIN_TOKEN, BENCH_DIR, SERVER_ENV

BENCH_REDIS_URL = "redis://127.0.0.1:6379/0"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(database_url: str, *, workers: int = 1, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run uvicorn with ``workers`` processes against ``database_url``; yields the GraphQL address.

    ``env``: more ``PAYMENTGRAPH_*`` settings for the server."""
    port = _free_port()
    env = {
        **os.environ,
        **SERVER_ENV,
        **(env or {}),
        "PAYMENTGRAPH_DATABASE_URL": database_url,
        "PYTHONPATH": str(BENCH_DIR.parent) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    if workers > 1:
        # serve refuses several workers without Redis (subscriptions reach every process through it).
        env.setdefault(
            "PAYMENTGRAPH_REDIS_URL", os.environ.get("PAYMENTGRAPH_BENCH_REDIS_URL", BENCH_REDIS_URL)
        )
    # ``paymentgraph serve`` itself, so the benchmark measures the server's own uvicorn settings.
    command = [
        sys.executable,
        "-m",
        "paymentgraph.cli",
        "serve",
        "--no-migrate",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, env=env, cwd=BENCH_DIR.parent)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process, workers)
        yield f"{base}/graphql"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(base: str, process: subprocess.Popen[bytes], workers: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode} before it served")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                # With several workers, give the others time to finish importing too.
                time.sleep(1.0 * (workers - 1))
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"uvicorn did not answer {base}/health within 60 s")


def headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
