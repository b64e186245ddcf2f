"""The example plugin (examples/store_plugin), loaded through the configuration file: its mutation,
subscriber and daily job; and configured providers."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from paymentgraph.app import create_app
from paymentgraph.config import Settings
from paymentgraph.configfile import ConfigError, load_config
from paymentgraph.db.types import utcnow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MUTATION = 'mutation { createStoreCollection(currencyCode: "eur", amount: "25.00") { id amount status } }'
ADMIN = {"Authorization": "Bearer plugin-admin"}
CONFIG = """
plugins = ["store_plugin"]

[[providers]]
resolve = "system"
id = "store"

[[providers]]
resolve = "stripe"
id = "eu"
options = { api_key = "sk_test_eu", api_base = "http://127.0.0.1:9", webhook_secret = "whsec_eu" }
"""


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "paymentgraph.toml"
    path.write_text(CONFIG)
    monkeypatch.setenv("PAYMENTGRAPH_CONFIG", str(path))
    monkeypatch.syspath_prepend(str(EXAMPLES))
    yield path
    sys.modules.pop("store_plugin", None)


async def until(check: Any, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.05)


async def test_the_example_plugin_runs_its_mutation_subscriber_and_job(
    database_url: str, configured: Path
) -> None:
    import store_plugin

    app = create_app(Settings(database_url=database_url, admin_tokens="plugin-admin"))
    async with app.router.lifespan_context(app):
        pg = app.state.pg
        assert {"pp_system_default", "pp_system_store", "pp_stripe_eu"} <= set(pg.providers.ids())
        assert pg.providers.get("pp_stripe_eu").webhook_secret == "whsec_eu"
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            mutation = MUTATION
            response = await client.post("/graphql", json={"query": mutation}, headers=ADMIN)
            created = response.json()["data"]["createStoreCollection"]
            assert (created["amount"], created["status"]) == ("25.00", "NOT_PAID")
            guest = await client.post("/graphql", json={"query": mutation})
            assert guest.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

        session = await pg.payment.create_payment_session(created["id"], {"provider_id": "pp_system_store"})
        payment = await pg.payment.authorize_payment_session(session.id)
        await pg.payment.capture_payment({"payment_id": payment.id})

        async def sales() -> list[Any]:
            async with pg.engine.connect() as conn:
                return list((await conn.execute(select(store_plugin.SALES))).all())

        await until(sales)  # the served app's worker ran the subscriber
        [sale] = await sales()
        assert (sale.payment_id, Decimal(sale.amount)) == (payment.id, Decimal("25"))

        two_am = (utcnow() + timedelta(days=1)).replace(hour=2, minute=0, second=0, microsecond=0)
        assert "store_plugin.daily_report" in await app.state.worker.scheduler.run_due(two_am)
        async with pg.engine.connect() as conn:
            [report] = (await conn.execute(select(store_plugin.REPORTS))).all()
        assert Decimal(report.sales) == Decimal("25")


def test_a_file_that_does_not_parse_or_names_an_unknown_provider_is_one_clear_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("plugins = [\n")
    with pytest.raises(ConfigError, match=r"broken.toml: not valid TOML"):
        load_config(broken)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('[[providers]]\nresolve = "strpie"\nid = "eu"\n')
    with pytest.raises(ConfigError) as refused:
        load_config(unknown)
    assert "\n" not in str(refused.value)
    assert "providers[0]: unknown provider 'strpie'" in str(refused.value)


def test_serve_refuses_a_broken_configuration_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "paymentgraph.toml").write_text('[[providers]]\nresolve = "strpie"\nid = "eu"\n')
    result = subprocess.run(
        [sys.executable, "-m", "paymentgraph.cli", "serve", "--database-url", f"sqlite:///{tmp_path}/x.db"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(EXAMPLES.parent)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"paymentgraph: {tmp_path / 'paymentgraph.toml'}: providers[0]: unknown provider 'strpie' "
        "(use system, stripe or package.module:Class)"
    ]
