"""Authorizing sessions: payment creation, idempotency, failures, auto-capture, races."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from payment_fakes import FAILING_ID

from paymentgraph import PaymentGraph
from paymentgraph.errors import AuthorizationFailed, NotFound, RequiresMore


async def test_authorize_creates_payment_and_recomputes(pg: PaymentGraph) -> None:
    col = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "100"})
    ses = await pg.payment.create_payment_session(col.id, {"provider_id": "pp_system_default"})
    payment = await pg.payment.authorize_payment_session(ses.id, {})
    assert payment.id.startswith("pay_")
    assert (payment.amount, payment.currency_code, payment.provider_id) == (
        Decimal("100.00"),
        "usd",
        "pp_system_default",
    )
    assert payment.payment_session_id == ses.id and payment.payment_collection_id == col.id
    assert payment.captures == () and payment.refunds == () and payment.captured_at is None
    ses = await pg.payment.retrieve_payment_session(ses.id)
    assert ses.status == "authorized" and ses.authorized_at is not None
    col = await pg.payment.retrieve_payment_collection(col.id)
    assert (col.status, col.authorized_amount) == ("authorized", Decimal("100.00"))


async def test_authorize_is_idempotent(pg: PaymentGraph) -> None:
    col = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "100"})
    ses = await pg.payment.create_payment_session(col.id, {"provider_id": "pp_system_default"})
    first = await pg.payment.authorize_payment_session(ses.id)
    second = await pg.payment.authorize_payment_session(ses.id)
    assert first.id == second.id
    assert len(await pg.payment.list_payments()) == 1


async def test_concurrent_authorizations_record_one_payment(pgf: PaymentGraph) -> None:
    col = await pgf.payment.create_payment_collections({"currency_code": "usd", "amount": "100"})
    ses = await pgf.payment.create_payment_session(col.id, {"provider_id": FAILING_ID})
    payments = await asyncio.gather(*(pgf.payment.authorize_payment_session(ses.id) for _ in range(8)))
    assert len({p.id for p in payments}) == 1
    assert len(await pgf.payment.list_payments()) == 1
    # The losers never cancelled the winner's authorization at the provider.
    provider = pgf.providers.get(FAILING_ID)
    assert not [c for c in provider.calls if c[0] == "cancel"]  # type: ignore[attr-defined]
    assert (await pgf.payment.retrieve_payment_collection(col.id)).authorized_amount == Decimal("100.00")


async def test_partial_authorization(pg: PaymentGraph) -> None:
    col = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "100"})
    ses = await pg.payment.create_payment_session(
        col.id, {"provider_id": "pp_system_default", "amount": "30"}
    )
    await pg.payment.authorize_payment_session(ses.id)
    col = await pg.payment.retrieve_payment_collection(col.id)
    assert (col.status, col.authorized_amount) == ("partially_authorized", Decimal("30.00"))


@pytest.mark.parametrize(
    ("status", "error"), [("requires_more", RequiresMore), ("error", AuthorizationFailed)]
)
async def test_not_authorized_status_is_stored_then_refused(
    pgf: PaymentGraph, status: str, error: type
) -> None:
    col = await pgf.payment.create_payment_collections({"currency_code": "usd", "amount": "100"})
    ses = await pgf.payment.create_payment_session(
        col.id, {"provider_id": FAILING_ID, "data": {"authorize_status": status}}
    )
    with pytest.raises(error, match=f"Session: {ses.id} was not authorized with the provider."):
        await pgf.payment.authorize_payment_session(ses.id)
    assert (await pgf.payment.retrieve_payment_session(ses.id)).status == status
    assert await pgf.payment.list_payments() == []
    assert (await pgf.payment.retrieve_payment_collection(col.id)).status == "awaiting"


async def test_provider_captured_on_authorize_records_full_capture(pgf: PaymentGraph) -> None:
    col = await pgf.payment.create_payment_collections({"currency_code": "usd", "amount": "100"})
    ses = await pgf.payment.create_payment_session(
        col.id, {"provider_id": FAILING_ID, "data": {"authorize_status": "captured"}}
    )
    payment = await pgf.payment.authorize_payment_session(ses.id)
    assert [c.amount for c in payment.captures] == [Decimal("100.00")]
    assert payment.captured_at is not None
    assert (await pgf.payment.retrieve_payment_session(ses.id)).status == "authorized"
    provider = pgf.providers.get(FAILING_ID)
    assert not [c for c in provider.calls if c[0] == "capture"]  # type: ignore[attr-defined]
    col = await pgf.payment.retrieve_payment_collection(col.id)
    assert (col.status, col.captured_amount) == ("completed", Decimal("100.00"))


async def test_authorize_uses_session_id_as_idempotency_key(pgf: PaymentGraph) -> None:
    col = await pgf.payment.create_payment_collections({"currency_code": "usd", "amount": "1"})
    ses = await pgf.payment.create_payment_session(col.id, {"provider_id": FAILING_ID})
    await pgf.payment.authorize_payment_session(ses.id, {"idempotency_key": "caller"})
    calls = pgf.providers.get(FAILING_ID).calls  # type: ignore[attr-defined]
    assert ("initiate", ses.id) in calls and ("authorize", ses.id) in calls


async def test_authorize_missing_session(pg: PaymentGraph) -> None:
    with pytest.raises(NotFound, match="PaymentSession with id: payses_x was not found"):
        await pg.payment.authorize_payment_session("payses_x")


async def test_foreign_currency_and_canceled_payments_do_not_count(pg: PaymentGraph, make_payment) -> None:
    payment = await make_payment(pg, amount="100")
    await pg.payment.cancel_payment(payment.id)
    col = await pg.payment.retrieve_payment_collection(payment.payment_collection_id)
    # Medusa keeps counting a canceled payment's session (quirk 2); here it stops counting.
    assert (col.status, col.authorized_amount) == ("canceled", Decimal(0))  # nothing live is left
