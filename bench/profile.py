"""Where the time of the in-process nested read goes: cProfile (self time) and pyinstrument (call tree)."""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Awaitable, Callable
from typing import Any

from bench.report import table
from bench.settings import DATA_DIR


def _package(filename: str) -> str:
    for marker in ("site-packages/", "lib/python3"):
        if marker in filename:
            rest = filename.split(marker, 1)[1]
            return rest.split("/", 1)[0] if marker == "site-packages/" else "stdlib:" + rest.split("/")[1]
    if "/paymentgraph/" in filename:
        return "paymentgraph/" + filename.split("/paymentgraph/", 1)[1].split("/", 1)[0]
    if "/bench/" in filename:
        return "bench"
    return "builtins" if filename == "~" else filename


async def cprofile_top(call: Callable[[], Awaitable[Any]], runs: int, top: int = 15) -> tuple[str, str]:
    """(top functions by self time, self time by package) over ``runs`` calls, as markdown tables."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        await call()
    profiler.disable()
    stats = pstats.Stats(profiler)
    entries: list[tuple[float, int, str, str]] = []
    by_package: dict[str, float] = {}
    for (filename, line, name), (_cc, calls, tottime, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        package = _package(filename)
        by_package[package] = by_package.get(package, 0.0) + tottime
        entries.append((tottime, calls, f"{package}: {name} (line {line})", package))
    total = sum(t for t, *_ in entries) or 1.0
    entries.sort(reverse=True)
    functions = table(
        ["function", "self ms per request", "share", "calls per request"],
        [
            [name, f"{t * 1000 / runs:.3f}", f"{t / total:.1%}", f"{calls / runs:.0f}"]
            for t, calls, name, _ in entries[:top]
        ],
    )
    packages = table(
        ["package", "self ms per request", "share"],
        [
            [p, f"{t * 1000 / runs:.3f}", f"{t / total:.1%}"]
            for p, t in sorted(by_package.items(), key=lambda kv: -kv[1])[:10]
        ],
    )
    return functions, packages


async def pyinstrument_tree(call: Callable[[], Awaitable[Any]], runs: int) -> str | None:
    """The pyinstrument call tree, written to bench/.data/profile_nested.txt; None without pyinstrument."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return None
    profiler = Profiler(interval=0.0005, async_mode="enabled")
    with profiler:
        for _ in range(runs):
            await call()
    text: str = profiler.output_text(unicode=False, color=False, show_all=False)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    (DATA_DIR / "profile_nested.txt").write_text(text)
    return text
