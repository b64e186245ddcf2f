"""Repeated timing of coroutines: warm-up, then min / median / max of the measured runs."""

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


async def measure_in_blocks(
    calls: dict[str, Callable[[], Awaitable[Any]]], runs: int, warmup: int = 3, blocks: int = 4
) -> dict[str, Timing]:
    """Time several calls: warm-up, then ``runs`` calls each, in ``blocks`` rounds of back-to-back calls
    per variant (each block after one untimed call). Back to back, every variant runs warm, as in the
    floor study (docs/performance.md); the rounds spread bursts of load from elsewhere on a shared
    machine over all of them."""
    for call in calls.values():
        for _ in range(warmup):
            await call()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    sizes = [runs // blocks + (1 if b < runs % blocks else 0) for b in range(blocks)]
    for size in sizes:
        for name, call in calls.items():
            await call()
            for _ in range(size):
                started = time.perf_counter_ns()
                await call()
                samples[name].append((time.perf_counter_ns() - started) / 1e6)
    return {name: summarize(values) for name, values in samples.items()}


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]
