"""The issue's targets, checked against this run's numbers (met, or missed by how much)."""

from __future__ import annotations

from dataclasses import dataclass

from bench.flows import FlowRow
from bench.load import LoadRow
from bench.nested import GRAPHQL, NestedRow
from bench.report import table


@dataclass(frozen=True)
class Check:
    target: str
    measured: str
    met: bool | None  # None: not measured in this run
    margin: str


def _ratio_check(rows: list[NestedRow], n: int, limit: float) -> Check:
    row = next((r for r in rows if r.variant == GRAPHQL and r.n == n), None)
    if row is None:
        return Check(f"GraphQL in process ≤ {limit:g}x floor at N={n}", "not run", None, "")
    met = row.ratio <= limit
    margin = f"{(limit - row.ratio) / limit:.0%} under" if met else f"{row.ratio / limit - 1:.0%} over"
    return Check(f"GraphQL in process ≤ {limit:g}x floor at N={n}", f"{row.ratio:.2f}x", met, margin)


def checks(nested: list[NestedRow], flows: list[FlowRow], load: list[LoadRow]) -> list[Check]:
    out = [_ratio_check(nested, 10, 4), _ratio_check(nested, 100, 3), _ratio_check(nested, 1000, 4)]
    counts = sorted({r.statements for r in nested if r.variant == GRAPHQL})
    out.append(
        Check(
            "SQL statements per request the same for every N",
            " / ".join(counts),
            len(counts) == 1,
            "constant" if len(counts) == 1 else "grows with N",
        )
    )
    first = next((r for r in load if r.workers == 1 and r.connections == 16), None)
    if first is None:
        out.append(
            Check("HTTP, 1 worker, 16 connections, N=100: ≥ 90 req/s, p99 < 400 ms", "not run", None, "")
        )
    else:
        rps_ok, p99_ok = first.rps >= 90, first.p99_ms < 400
        margin = []
        margin.append(f"rps {first.rps / 90 - 1:+.0%}")
        margin.append(f"p99 {first.p99_ms / 400 - 1:+.0%} vs 400 ms")
        out.append(
            Check(
                "HTTP, 1 worker, 16 connections, N=100: ≥ 90 req/s, p99 < 400 ms",
                f"{first.rps:.1f} req/s, p99 {first.p99_ms:.0f} ms, {first.errors} errors",
                rps_ok and p99_ok and first.errors == 0,
                ", ".join(margin),
            )
        )
    at64 = [r for r in load if r.workers == 1 and r.connections == 64]
    if at64:
        errors = sum(r.errors for r in at64)
        out.append(Check("HTTP, 1 worker, 64 connections: no errors", f"{errors} errors", errors == 0, ""))
    sequential = next(
        (r for r in flows if r.surface == "Python API" and r.database == "PostgreSQL" and r.clients == 1),
        None,
    )
    if sequential is not None:
        rate = sequential.per_second
        out.append(
            Check(
                "Payment flows, Python API, sequential, PostgreSQL: ≥ 60 per second",
                f"{rate:.1f}/s, {sequential.statements} statements per flow",
                rate >= 60,
                f"{rate / 60 - 1:+.0%}",
            )
        )
        with_control = int(sequential.with_control)
        out.append(
            Check(
                "Payment flow, PostgreSQL: ≤ 16 statements, BEGIN/COMMIT included (issue 15)",
                f"{with_control} statements",
                with_control <= 16,
                f"{with_control - 16:+d} statements",
            )
        )
    return out


def checks_table(items: list[Check]) -> str:
    mark = {True: "met", False: "**missed**", None: "not measured"}
    return table(
        ["target", "measured", "status", "margin"],
        [[c.target, c.measured, mark[c.met], c.margin] for c in items],
    )
