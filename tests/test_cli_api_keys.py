"""``paymentgraph api-keys create``: the first admin key, made from the command line."""

from __future__ import annotations

import asyncio
import re

import pytest

from paymentgraph.cli import main
from paymentgraph.connection import PaymentGraph
from paymentgraph.db.reach import Scope
from paymentgraph.identity import Principal


async def _who(database_url: str, token: str) -> Principal:
    async with PaymentGraph.connect(database_url) as pg:
        return await pg.identity.authenticate(f"Bearer {token}")


def test_api_keys_create_prints_a_working_token_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAYMENTGRAPH_DATABASE_URL", database_url)  # main() sets it; restored after
    args = ["api-keys", "create", "--title", "first key", "--no-migrate", "--database-url", database_url]
    assert main(args) == 0
    out = capsys.readouterr().out
    key_id = re.search(r"^(apk_\w+)\s+first key$", out, re.M)
    token = re.search(r"token \(shown once, store it now\): (pgk_\S+)", out)
    assert key_id and token
    principal = asyncio.run(_who(database_url, token.group(1)))
    assert (principal.scope, principal.actor, principal.refusal) == (Scope.ADMIN, key_id.group(1), None)

    assert main(["api-keys", "list", "--database-url", database_url]) == 0
    listed = capsys.readouterr().out
    assert key_id.group(1) in listed and token.group(1) not in listed
