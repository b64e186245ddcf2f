"""Repeated timing of one coroutine: warm-up, then min / median / max of the measured runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Timing:
    """Milliseconds over ``runs`` sequential calls after warm-up."""

    median: float
    min: float
    max: float
    runs: int

    def cells(self) -> list[str]:
        return [f"{self.min:.2f}", f"**{self.median:.2f}**", f"{self.max:.2f}"]


def summarize(samples_ms: list[float]) -> Timing:
    return Timing(statistics.median(samples_ms), min(samples_ms), max(samples_ms), len(samples_ms))


async def measure(call: Callable[[], Awaitable[Any]], runs: int, warmup: int = 3) -> Timing:
    for _ in range(warmup):
        await call()
    samples: list[float] = []
    for _ in range(runs):
        started = time.perf_counter_ns()
        await call()
        samples.append((time.perf_counter_ns() - started) / 1e6)
    return summarize(samples)


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]
