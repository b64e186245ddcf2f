"""``paymentgraph serve`` (uvicorn) as a real process on a free loopback port, for tests that need a socket
(the browser, the GraphQL over HTTP audit). Importable by basename: tests/http is on sys.path."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(database_url: str, workdir: Path, port: int | None = None, **env: str) -> Iterator[str]:
    """The server's base URL while it runs; ``env``: extra ``PAYMENTGRAPH_*`` settings."""
    port = port or free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PAYMENTGRAPH_")}
    environment.update(PAYMENTGRAPH_DATABASE_URL=database_url, **env)
    log_path = workdir / f"server-{port}.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "paymentgraph.cli", "serve", "--no-migrate", "--port", str(port)],
        env=environment,
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start: {log_path.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
