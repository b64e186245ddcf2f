"""The GraphQL over HTTP specification's own audit (graphql-http's ``serverAudits``) against /graphql.

Runs tests/http/audit/audit.mjs under node against the real server on loopback; every audit (MUST,
SHOULD and MAY) must pass. The npm packages come from tests/http/audit/package-lock.json (``npm ci``,
run by .ci/run). Missing node or packages is a failure, never a skip.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import serve

AUDIT_DIR = Path(__file__).parent / "audit"


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[str]:
    with serve(database_url, tmp_path) as base:
        yield base


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required for the GraphQL over HTTP audit: apt-get install -y nodejs npm")
    if not (AUDIT_DIR / "node_modules" / "graphql-http" / "package.json").is_file():
        pytest.fail(f"the audit's npm packages are not installed: run `npm ci` in {AUDIT_DIR}")
    return node


def test_the_graphql_over_http_audit_passes(server: str) -> None:
    node = _node()
    run = subprocess.run(
        [node, "audit.mjs", f"{server}/graphql"],
        cwd=AUDIT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    results = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    # graphql-http 1.23.1 has 61 audits; a smaller count means the script did not run them all.
    assert len(results) >= 61, run.stdout
    failed = [result for result in results if result["status"] != "ok"]
    assert failed == [], json.dumps(failed, indent=2)
