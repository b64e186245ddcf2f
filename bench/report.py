"""Markdown tables, the machine description and the RESULTS.md file."""

from __future__ import annotations

import platform
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

_PACKAGES = (
    "strawberry-graphql",
    "graphql-core",
    "sqlalchemy",
    "asyncpg",
    "aiosqlite",
    "starlette",
    "uvicorn",
    "httpx",
    "orjson",
    "uvloop",
    "httptools",
    "pyinstrument",
)


def table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _postgres_version(dsn: str) -> str:
    try:
        out = subprocess.run(
            ["psql", dsn, "-Atc", "SHOW server_version"], capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine(postgres_dsn: str) -> str:
    import os

    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    packages = ", ".join(f"{n} {v}" for n in _PACKAGES if (v := _version(n)))
    return "\n".join(
        [
            f"- Run at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average at start {load} (shared box).",
            f"- {os.cpu_count()} CPUs ({_cpu()}){memory}, {platform.system()} {platform.release()}.",
            f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"PostgreSQL {_postgres_version(postgres_dsn)} on 127.0.0.1.",
            f"- {packages}.",
        ]
    )


@dataclass
class Report:
    """Sections collected during a run, printed as they come and written to RESULTS.md at the end."""

    title: str
    sections: list[str] = field(default_factory=list)

    def add(self, heading: str, body: str) -> None:
        text = f"## {heading}\n\n{body}\n"
        print(text, flush=True)
        self.sections.append(text)

    def write(self, path: Path, preamble: str, summary: str) -> None:
        body = "\n".join(self.sections)
        path.write_text(f"# {self.title}\n\n{preamble}\n\n{body}\n```\n{summary}\n```\n")
