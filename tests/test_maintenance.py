"""The app's maintenance jobs, and the `webhooks list|retry` and `payments recover` commands."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from maintenance_support import Leftovers, settled, write_leftovers

from paymentgraph import PaymentGraph
from paymentgraph.app import create_app
from paymentgraph.cli import main
from paymentgraph.config import Settings
from paymentgraph.db.types import utcnow
from paymentgraph.events.scheduler import list_job_runs
from paymentgraph.modules.payment import models


async def test_the_app_runs_the_maintenance_jobs_once_per_scheduled_time(database_url: str) -> None:
    async with PaymentGraph.connect(database_url) as pg:
        await pg.sync_providers()
        leftovers = await write_leftovers(pg)

        app = create_app(Settings(database_url=database_url))
        async with app.router.lifespan_context(app):
            worker = app.state.worker
            assert set(app.state.pg.handlers.jobs) == {
                "paymentgraph.webhook_retry",
                "paymentgraph.pending_recovery",
                "paymentgraph.release_abandoned_authorizations",
                "paymentgraph.prune",
            }
            assert all(not task.done() for task in worker.tasks)
            # The next whole minute, as the worker's own scheduler will see it (whichever claims it first).
            minute = (utcnow() + timedelta(minutes=1)).replace(second=0, microsecond=0)
            await worker.scheduler.run_due(minute)
            assert await settled(pg, leftovers)
            runs = await list_job_runs(pg)
            assert {(r.job, r.scheduled_at, r.status) for r in runs} >= {
                ("paymentgraph.webhook_retry", minute, "succeeded"),
                ("paymentgraph.pending_recovery", minute, "succeeded"),
            }
        assert all(task.done() for task in worker.tasks)  # stopped with the app, not left running

        payment = await pg.payment.retrieve_payment(leftovers.payment_id)
        assert payment.captured_amount == Decimal("40.00")
        collection = await pg.payment.retrieve_payment_collection(payment.payment_collection_id)
        assert (collection.status, collection.captured_amount) == ("partially_captured", Decimal("40.00"))
        [event] = await pg.payment.list_webhook_events()
        # Applied by the job (attempt 2 at least); the worker's own scheduler may also run the current
        # minute's time if a minute boundary passes during the test, which only adds an attempt.
        assert (event.status, event.last_error) == ("processed", None)
        assert event.attempts >= 2


async def test_an_empty_cron_turns_maintenance_off(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, maintenance_cron=""))
    async with app.router.lifespan_context(app):
        assert app.state.pg.handlers.jobs == {}


def test_a_cron_expression_that_does_not_parse_is_refused() -> None:
    with pytest.raises(ValueError, match="not a cron expression"):
        Settings(maintenance_cron="every minute")


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


async def test_the_recovery_job_settles_pending_operations_of_any_age_with_a_zero_threshold(
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

        app = create_app(Settings(database_url=database_url, recover_pending_after_seconds=0))
        async with app.router.lifespan_context(app):
            minute = (utcnow() + timedelta(minutes=1)).replace(second=0, microsecond=0)
            await app.state.worker.scheduler.run_due(minute)
            [capture] = await pg.payment.list_captures({"id": "capt_fresh"})
            assert capture.status == "succeeded"
        assert (await pg.payment.retrieve_payment(authorized.id)).captured_amount == Decimal("5.00")
