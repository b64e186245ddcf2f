"""The ``paymentgraph`` command, run as a user runs it: a subprocess in a directory of its own."""

from __future__ import annotations

import argparse
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from paymentgraph.cli import parser
from paymentgraph.connection import PaymentGraph
from paymentgraph.schema import create_schema
from paymentgraph.schema.sdl import sdl
from paymentgraph.seed import STATES

START_TIMEOUT = 90  # seconds; a guard against a hung process, not a speed assertion


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command() -> list[str]:
    return [sys.executable, "-m", "paymentgraph.cli"]


def _environment(**extra: str) -> dict[str, str]:
    """This test run's environment without PAYMENTGRAPH_* settings; the worktree stays importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYMENTGRAPH_")}
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env.update(extra)
    return env


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_command(), *args],
        cwd=cwd,
        env=_environment(**env),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=False,
    )


def _lines(stream: IO[str], into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


class Served:
    """``paymentgraph serve`` on a free loopback port; ``output`` is everything printed until ready."""

    def __init__(self, directory: Path, *args: str, **env: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.directory = directory
        self.process = subprocess.Popen(
            [*_command(), "serve", "--port", str(self.port), *args],
            cwd=directory,
            env=_environment(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.process.stdout is not None
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_lines, args=(self.process.stdout, self.lines), daemon=True).start()
        self.output: list[str] = []

    def wait_until_ready(self) -> str:
        """The ready line (fails if the process exits or says nothing for START_TIMEOUT seconds)."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"paymentgraph serve said nothing for {START_TIMEOUT} s: {''.join(self.output)}")
            if line is None:
                pytest.fail(f"paymentgraph serve exited: {''.join(self.output)}")
            self.output.append(line)
            if line.startswith("paymentgraph: ready"):
                return line

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """``paymentgraph serve`` in an empty directory with no configuration, once it says it is ready."""
    server = Served(tmp_path)
    try:
        server.wait_until_ready()
        yield server
    finally:
        server.stop()


def test_serve_says_ready_only_once_it_answers(served: Served) -> None:
    output = "".join(served.output)
    # Answered at once, with no retry: the ready line comes after start-up and after the socket listens.
    assert httpx.get(f"{served.base}/health").json() == {
        "status": "ok",
        "database": "ok",
        "redis": "not configured",
    }
    assert f"GraphiQL at http://127.0.0.1:{served.port}/graphql" in output
    # The migrations it applied, and how to get admin access (none is configured).
    assert "applying migration 0001 (initial schema)" in output
    assert "PAYMENTGRAPH_ADMIN_TOKENS" in output
    assert "Traceback" not in output


def test_serve_with_no_configuration_answers_health_queries_and_graphiql(served: Served) -> None:
    base = served.base
    # The embedded default: SQLite in the working directory, migrated on start.
    assert (served.directory / "paymentgraph.db").exists()
    response = httpx.post(f"{base}/graphql", json={"query": '{ cart(id: "cart_none") { id total } }'})
    assert response.json() == {"data": {"cart": None}}
    # No admin token is configured, so admin fields are refused rather than open.
    refused = httpx.post(f"{base}/graphql", json={"query": "{ regions { count } }"}).json()
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    page = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "GraphiQL" in page.text


def test_serve_with_an_admin_token_and_a_migrated_database_says_neither(tmp_path: Path) -> None:
    assert run("migrate", cwd=tmp_path).returncode == 0
    server = Served(tmp_path, "--no-migrate", PAYMENTGRAPH_ADMIN_TOKENS="secret")
    try:
        server.wait_until_ready()
    finally:
        server.stop()
    output = "".join(server.output)
    assert "applying migration" not in output
    assert "PAYMENTGRAPH_ADMIN_TOKENS" not in output


def test_migrate_creates_the_database_and_names_each_migration(tmp_path: Path) -> None:
    done = run("migrate", "--database-url", f"sqlite:///{tmp_path / 'fresh.db'}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "applying migration 0001 (initial schema)" in done.stdout
    assert (tmp_path / "fresh.db").stat().st_size > 0
    again = run("migrate", "--database-url", f"sqlite:///{tmp_path / 'fresh.db'}", cwd=tmp_path)
    assert again.returncode == 0 and "applying migration" not in again.stdout


def test_schema_prints_the_served_sdl_and_writes_a_file_only_when_asked(tmp_path: Path) -> None:
    printed = run("schema", cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == sdl(create_schema())
    assert list(tmp_path.iterdir()) == []  # nothing written to ./schema.graphql
    output = tmp_path / "out.graphql"
    written = run("schema", "--output", str(output), cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert output.read_text() == printed.stdout
    assert written.stdout == ""


# Commands that need a migrated database and must not create one.
NEEDS_A_DATABASE = [
    ("webhooks", "list"),
    ("webhooks", "retry"),
    ("payments", "recover"),
    ("seed", "--demo", "--no-migrate"),
    ("serve", "--no-migrate"),
]


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("paymentgraph: ")
    return lines[0]


@pytest.mark.parametrize("args", NEEDS_A_DATABASE, ids=" ".join)
def test_without_a_database_commands_say_so_in_one_line_and_create_nothing(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 1
    assert "paymentgraph migrate" in _one_line(result)
    assert list(tmp_path.iterdir()) == []  # no empty paymentgraph.db left behind


@pytest.fixture(params=["sqlite", "postgresql"])
async def unmigrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An existing, empty database that was never migrated."""
    if request.param == "sqlite":
        (tmp_path / "empty.db").touch()
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    # A new database on the test session's PostgreSQL server.
    server = make_url(request.getfixturevalue("postgres_template_url"))
    name = f"paymentgraph_empty_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.mark.parametrize("args", [("webhooks", "list"), ("seed", "--demo", "--no-migrate")], ids=" ".join)
def test_an_unmigrated_database_is_refused_in_one_line(
    tmp_path: Path, unmigrated_url: str, args: tuple[str, ...]
) -> None:
    result = run(*args, "--database-url", unmigrated_url, cwd=tmp_path)
    assert result.returncode == 1
    # Every migration is pending, the first one first (their number grows as features land).
    assert re.search(
        r"needs \d+ migration\(s\) \(0001(, \w+)*\): run `paymentgraph migrate`", _one_line(result)
    )


@pytest.mark.parametrize("value", ["", "   ", "paymentgraph.db"])
def test_a_bad_database_url_is_one_line_and_exit_2(tmp_path: Path, value: str) -> None:
    result = run("webhooks", "list", cwd=tmp_path, PAYMENTGRAPH_DATABASE_URL=value)
    assert result.returncode == 2
    assert _one_line(result).startswith("paymentgraph: PAYMENTGRAPH_DATABASE_URL ")
    assert list(tmp_path.iterdir()) == []


def test_several_workers_without_redis_are_refused_at_start(tmp_path: Path) -> None:
    # Subscribers on one worker would never hear of changes made through another.
    result = run("serve", "--workers", "2", "--port", str(_free_port()), cwd=tmp_path)
    assert result.returncode == 2
    assert _one_line(result).startswith("paymentgraph: --workers 2 needs PAYMENTGRAPH_REDIS_URL")
    assert list(tmp_path.iterdir()) == []  # refused before anything was created


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{_free_port()}/nothing_listens_here"
    result = run("payments", "recover", "--database-url", url, cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot use the database at" in _one_line(result)


def seed(database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = run("seed", "--demo", "--no-migrate", "--database-url", database_url, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result


async def test_seed_demo_fills_every_payment_state_once(database_url: str, tmp_path: Path) -> None:
    first = seed(database_url, tmp_path)
    assert "collections canceled: 3" in first.stdout
    async with PaymentGraph.connect(database_url) as pg:
        before = await _counts(pg)
        again = seed(database_url, tmp_path)
        assert "nothing was added" in again.stdout
        assert await _counts(pg) == before  # the second run duplicated nothing
        collections = await pg.query.graph(
            entity="payment_collection",
            fields=[
                "status",
                "metadata",
                "amount",
                "captured_amount",
                "refunded_amount",
                "cart.id",
                "payments.canceled_at",
                "payments.refunds.amount",
            ],
            pagination={"take": 100},
        )
    by_state: dict[str, list[dict[str, Any]]] = {}
    for item in collections["data"]:
        assert item["cart"] is not None
        by_state.setdefault(item["metadata"]["demo_state"], []).append(item)
    assert {state: len(items) for state, items in by_state.items()} == dict.fromkeys(STATES, 3)
    for state in ("not_paid", "awaiting", "authorized", "partially_captured", "completed"):
        assert {item["status"] for item in by_state[state]} == {state}
    for item in by_state["canceled"]:
        assert item["status"] == "canceled"
        assert [p["canceled_at"] is not None for p in item["payments"]] == [True]
        assert item["captured_amount"] == 0
    for item in by_state["refunded"]:
        # Medusa has no "refunded" collection status: all that was captured was given back.
        assert item["captured_amount"] == item["refunded_amount"] == item["amount"] > 0
        refunds = [r["amount"] for p in item["payments"] for r in p["refunds"]]
        assert sum(refunds) == item["amount"]


async def _counts(pg: PaymentGraph) -> dict[str, int]:
    counts = {}
    for entity in ("customer", "region", "cart", "order", "payment_collection", "payment", "refund_reason"):
        page = await pg.query.graph(entity=entity, fields=["id"], pagination={"skip": 0, "take": 1})
        counts[entity] = page["metadata"]["count"]
    return counts


def _subcommands(root: argparse.ArgumentParser) -> Iterator[tuple[list[str], argparse.ArgumentParser]]:
    yield [], root
    for action in root._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                for path, found in _subcommands(sub):
                    yield [name, *path], found


def test_every_command_and_option_has_a_plain_description(tmp_path: Path) -> None:
    commands = list(_subcommands(parser()))
    for path, command in commands:
        assert command.description, path
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                # Described by each subcommand's summary, listed under the group.
                assert all(choice.help for choice in action._choices_actions), path
            else:
                assert action.help and action.help != argparse.SUPPRESS, (path, action.dest)
    helps = [
        subprocess.Popen(
            [*_command(), *path, "--help"],
            cwd=tmp_path,
            env=_environment(),
            stdout=subprocess.PIPE,
            text=True,
        )
        for path, _ in commands
    ]
    for process in helps:
        text, _ = process.communicate(timeout=START_TIMEOUT)
        assert process.returncode == 0
        assert "``" not in text and "usage: paymentgraph" in text
