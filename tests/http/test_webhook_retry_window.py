"""A delivery whose receiver keeps failing is FAILED once an attempt fails after the retry window."""

from __future__ import annotations

from typing import Any

import pytest
from http_helpers import ADMIN_TOKEN, GraphQL
from test_webhook_deliveries import COLLECTION, deliveries, endpoint, until
from webhook_receiver import Receiver

from paymentgraph.config import Settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    # A window of a fifth of a second with retries a few milliseconds apart: the rule, without the day.
    return Settings(
        database_url=database_url,
        admin_tokens=ADMIN_TOKEN,
        webhook_allow_private_urls=True,
        webhook_retry_base_seconds=0.01,
        webhook_retry_window_seconds=0.2,
        maintenance_cron="",
    )


async def test_after_the_retry_window_the_delivery_is_failed(gql: GraphQL) -> None:
    async with Receiver(statuses=[500] * 1000) as receiver:
        endpoint_id, _ = await endpoint(gql, receiver.url, ["payment_collection.created"])
        await gql.data(COLLECTION)

        async def failed() -> list[dict[str, Any]]:
            found = await deliveries(gql, endpoint_id)
            return found if found and found[0]["status"] == "FAILED" else []

        [delivery] = await until(failed)
        sent = len(receiver.requests)

    assert delivery["attempts"] == sent >= 2  # retried before the window ran out
    assert (delivery["responseStatus"], delivery["nextAttemptAt"]) == (500, None)
    assert delivery["lastError"] == "HTTP 500: receiver is down"
    assert delivery["attemptHistory"][0]["nextAttemptAt"] is None
