"""``paymentgraph endpoints list|deliveries|redeliver`` over deliveries made by the dispatcher."""

from __future__ import annotations

import asyncio

import pytest

from paymentgraph import PaymentGraph
from paymentgraph.cli import main
from paymentgraph.events.dispatcher import Dispatcher
from paymentgraph.events.webhooks.endpoints import create_endpoint
from paymentgraph.events.webhooks.handlers import merchant_webhooks

URL = "https://93.184.215.14/hooks"  # never called: no sender runs here


async def _one_delivery(database_url: str) -> tuple[str, str]:
    async with PaymentGraph.connect(database_url) as pg:
        created = await create_endpoint(pg, URL, ["payment_collection.created"], "ERP")
        pg.handlers.add(*merchant_webhooks())
        collection = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "10"})
        await pg.payment.update_payment_collections(collection.id, {"amount": "12"})  # not listed
        await Dispatcher(pg).run_once()  # the subscriber makes the delivery; sending is the loop's
        [event] = (
            await pg.query.graph(
                entity="event", fields=["id"], filters={"name": "payment_collection.created"}
            )
        )["data"]
        return created.webhook_endpoint.id, event["id"]


def test_cli_lists_endpoints_and_deliveries_and_redelivers(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAYMENTGRAPH_DATABASE_URL", database_url)
    endpoint_id, event_id = asyncio.run(_one_delivery(database_url))

    assert main(["endpoints", "list"]) == 0
    out = capsys.readouterr().out
    assert f"{endpoint_id}  {URL}  payment_collection.created  enabled  ERP" in out
    assert out.rstrip().endswith("1 endpoint(s)")

    assert main(["endpoints", "deliveries", "--endpoint", endpoint_id]) == 0
    out = capsys.readouterr().out
    assert f"{event_id}  payment_collection.created  pending  attempts=0  http=-  next=" in out
    assert out.rstrip().endswith("1 delivery")

    assert main(["endpoints", "redeliver", "--endpoint", endpoint_id, "--event", event_id]) == 0
    assert f"{event_id}  payment_collection.created  pending again" in capsys.readouterr().out

    assert main(["endpoints", "deliveries", "--endpoint", "whep_missing"]) == 1
    assert "NOT_FOUND: WebhookEndpoint with id: whep_missing was not found" in capsys.readouterr().err
