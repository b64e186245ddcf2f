"""The app lifespan's maintenance task, and the `webhooks list|retry` and `payments recover` commands."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from maintenance_support import Leftovers, settled, write_leftovers

from paymentgraph import PaymentGraph
from paymentgraph.app import create_app
from paymentgraph.cli import main
from paymentgraph.config import Settings
from paymentgraph.maintenance import periodic_maintenance
from paymentgraph.modules.payment import models


async def until(check: Callable[[], Awaitable[bool]], *, within: float = 20.0) -> None:
    """Poll ``check`` until it is true, failing after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("not settled in time")
        await asyncio.sleep(0.02)


async def test_the_app_settles_failed_events_and_stale_pending_captures_on_a_schedule(
    database_url: str,
) -> None:
    async with PaymentGraph.connect(database_url) as pg:
        await pg.sync_providers()
        leftovers = await write_leftovers(pg)

        app = create_app(Settings(database_url=database_url, webhook_retry_seconds=0.05))
        async with app.router.lifespan_context(app):
            task = app.state.maintenance
            assert task is not None and not task.done()
            await until(lambda: settled(pg, leftovers))
        assert task.cancelled()  # stopped with the app, not left running

        payment = await pg.payment.retrieve_payment(leftovers.payment_id)
        assert payment.captured_amount == Decimal("40.00")
        collection = await pg.payment.retrieve_payment_collection(payment.payment_collection_id)
        assert (collection.status, collection.captured_amount) == ("partially_captured", Decimal("40.00"))
        [event] = await pg.payment.list_webhook_events()
        assert (event.status, event.attempts, event.last_error) == ("processed", 2, None)


async def test_zero_seconds_turns_the_task_off(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, webhook_retry_seconds=0))
    async with app.router.lifespan_context(app):
        assert app.state.maintenance is None


def test_a_negative_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="0 \\(off\\)"):
        Settings(webhook_retry_seconds=-1)


class _BrokenPayment:
    def __init__(self) -> None:
        self.calls = 0

    async def retry_failed_webhook_events(self) -> list[Any]:
        self.calls += 1
        raise RuntimeError("database is down")

    async def recover_pending_operations(self, **_: Any) -> list[Any]:
        return []


class _BrokenGraph:
    def __init__(self) -> None:
        self.payment = _BrokenPayment()


async def test_errors_are_logged_and_the_task_keeps_running(caplog: pytest.LogCaptureFixture) -> None:
    graph = _BrokenGraph()
    with caplog.at_level(logging.ERROR, logger="paymentgraph.maintenance"):
        async with periodic_maintenance(graph, 0.01) as task:  # type: ignore[arg-type]
            deadline = time.monotonic() + 10
            while graph.payment.calls < 3:
                assert time.monotonic() < deadline and task is not None and not task.done()
                await asyncio.sleep(0.01)
    assert task is not None and task.cancelled()
    assert "retrying failed webhook events failed" in caplog.text
    assert "database is down" in caplog.text


def _leftovers(database_url: str) -> Leftovers:
    async def write() -> Leftovers:
        async with PaymentGraph.connect(database_url) as pg:
            await pg.sync_providers()
            return await write_leftovers(pg)

    return asyncio.run(write())


def _settled(database_url: str, leftovers: Leftovers) -> bool:
    async def check() -> bool:
        async with PaymentGraph.connect(database_url) as pg:
            return await settled(pg, leftovers)

    return asyncio.run(check())


def test_cli_lists_and_retries_webhook_events_and_recovers_pending_payments(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAYMENTGRAPH_DATABASE_URL", database_url)
    leftovers = _leftovers(database_url)

    assert main(["webhooks", "list", "--status", "failed"]) == 0
    out = capsys.readouterr().out
    assert leftovers.event_id in out and "evt_failed_before" in out and "lost a race" in out
    assert out.rstrip().endswith("1 event(s)")

    assert main(["webhooks", "retry"]) == 0
    out = capsys.readouterr().out
    assert f"{leftovers.event_id}  evt_failed_before  authorized  processed" in out
    assert "retried 1 event(s), 0 still need attention" in out
    assert main(["webhooks", "list", "--status", "failed"]) == 0
    assert capsys.readouterr().out.strip() == "0 event(s)"

    # Pending for ten minutes: younger than 15, so left alone; older than the default 5, so settled.
    assert main(["payments", "recover", "--older-than-minutes", "15"]) == 0
    assert "settled 0 pending operation(s), 0 failed" in capsys.readouterr().out
    assert main(["payments", "recover"]) == 0
    out = capsys.readouterr().out
    assert f"capture {leftovers.capture_id}  payment={leftovers.payment_id}  40.00  recorded" in out
    assert "settled 1 pending operation(s), 0 failed" in out
    assert _settled(database_url, leftovers)


def test_cli_retry_exits_1_when_an_event_still_fails(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAYMENTGRAPH_DATABASE_URL", database_url)
    leftovers = _leftovers(database_url)

    async def delete_session() -> None:
        # The session the event names is deleted: applying the event fails again.
        async with PaymentGraph.connect(database_url) as pg:
            await pg.payment.delete_payment_session(leftovers.session_id)

    asyncio.run(delete_session())
    assert main(["webhooks", "retry"]) == 1
    out = capsys.readouterr().out
    assert "failed  NOT_FOUND" in out and "1 still need attention" in out


def test_cli_recover_accepts_zero_minutes_and_refuses_a_negative_age(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAYMENTGRAPH_DATABASE_URL", database_url)
    leftovers = _leftovers(database_url)
    with pytest.raises(SystemExit) as refused:
        main(["payments", "recover", "--older-than-minutes", "-1"])
    assert refused.value.code == 2
    assert "must be 0 or a positive number of minutes" in capsys.readouterr().err
    assert main(["payments", "recover", "--older-than-minutes", "0"]) == 0
    out = capsys.readouterr().out
    assert f"capture {leftovers.capture_id}  payment={leftovers.payment_id}  40.00  recorded" in out


async def test_the_served_task_settles_pending_operations_of_any_age_with_a_zero_threshold(
    database_url: str,
) -> None:
    async with PaymentGraph.connect(database_url) as pg:
        await pg.sync_providers()
        payment = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "5"})
        session = await pg.payment.create_payment_session(payment.id, {"provider_id": "pp_system_default"})
        authorized = await pg.payment.authorize_payment_session(session.id)
        async with pg.sessionmaker() as db, db.begin():  # a capture whose answer was lost just now
            db.add(
                models.Capture(
                    id="capt_fresh", payment_id=authorized.id, amount=Decimal("5"), status="pending"
                )
            )

        settings = Settings(
            database_url=database_url, webhook_retry_seconds=0.05, recover_pending_after_seconds=0
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):

            async def recorded() -> bool:
                [capture] = await pg.payment.list_captures({"id": "capt_fresh"})
                return capture.status == "succeeded"

            await until(recorded)
        assert (await pg.payment.retrieve_payment(authorized.id)).captured_amount == Decimal("5.00")
