"""Closed-loop HTTP load generator, run as its own process: ``python -m bench.loadgen URL BODY C SECONDS``.

Prints one JSON object: requests, errors, refused, seconds, rps, p50_ms, p99_ms, max_ms, refused_p50_ms,
refused_p99_ms and the first few problems. A request counts as a success when it answers 200 with no
"errors" key; a 503 with ``Retry-After`` (the server at capacity, answered at once) is counted apart as
refused, neither a success nor an error; anything else, dropped connections included, is an error.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

import httpx
import orjson

from bench.server import headers
from bench.timing import percentile


def _describe(error: BaseException) -> str:
    """``ReadError <- BrokenResourceError <- ConnectionResetError: [Errno 104] ...``: what lies under it."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(chain) < 5:
        chain.append(current)
        current = current.__cause__ or current.__context__
    names = " <- ".join(type(e).__name__ for e in chain)
    message = next((str(e) for e in chain if str(e)), "")
    return f"{names}: {message}"


async def _worker(
    client: httpx.AsyncClient, url: str, body: bytes, until: float, out: dict[str, list]
) -> None:
    hdrs = headers()
    while time.perf_counter() < until:
        started = time.perf_counter()
        problem = ""
        try:
            response = await client.post(url, content=body, headers=hdrs)
            if response.status_code == 503 and "retry-after" in response.headers:
                out["refused"].append((time.perf_counter() - started) * 1000)
                continue
            if response.status_code != 200 or b'"errors"' in response.content[:200]:
                problem = f"HTTP {response.status_code}: {response.content[:300]!r}"
        except httpx.HTTPError as error:
            problem = _describe(error)
        elapsed = (time.perf_counter() - started) * 1000
        out["errors" if problem else "latencies"].append(elapsed)
        if problem and len(out["problems"]) < 3:
            out["problems"].append(problem)


async def run(url: str, body: bytes, concurrency: int, seconds: float) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    out: dict[str, list] = {"latencies": [], "errors": [], "refused": [], "problems": []}
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        # One request per connection first, so the timed window does not include connecting.
        await asyncio.gather(*(client.post(url, content=body, headers=headers()) for _ in range(concurrency)))
        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(*(_worker(client, url, body, until, out) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies = sorted(out["latencies"])
    return {
        "requests": len(latencies),
        "errors": len(out["errors"]),
        "refused": len(out["refused"]),
        "refused_p50_ms": percentile(sorted(out["refused"]), 0.50) if out["refused"] else 0.0,
        "refused_p99_ms": percentile(sorted(out["refused"]), 0.99) if out["refused"] else 0.0,
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": latencies[-1] if latencies else 0.0,
        "problems": out["problems"],
    }


if __name__ == "__main__":
    target, payload, conc, secs = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3]), float(sys.argv[4])
    sys.stdout.write(orjson.dumps(asyncio.run(run(target, payload, conc, secs))).decode() + "\n")
