"""The optimistic steps' guard: a step decides on an unlocked read of a collection (and of the session it
authorizes) and writes in one statement only if their row versions are still the ones read; when
something changed meanwhile it falls back to the locked path, and the numbers come out right.

The concurrent change is made through the service, by a provider that runs it while it is being asked
to authorize: after the step's read, before its write.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from paymentgraph import PaymentGraph
from paymentgraph.modules.payment import SystemPaymentProvider
from paymentgraph.modules.payment.providers.base import CapturePaymentInput, PaymentInput, PaymentOutput

SYSTEM = "pp_system_default"
MEDDLING = "pp_meddling_default"


class MeddlingProvider(SystemPaymentProvider):
    """The system provider, which runs ``meddle`` (once) while it is asked to authorize, and
    ``meddle_capture`` (once) while it is asked to capture."""

    identifier = "meddling"

    def __init__(self) -> None:
        super().__init__()
        self.meddle: Callable[[], Awaitable[Any]] | None = None
        self.meddle_capture: Callable[[], Awaitable[Any]] | None = None

    async def authorize_payment(self, input: PaymentInput) -> PaymentOutput:
        meddle, self.meddle = self.meddle, None
        if meddle is not None:
            await meddle()
        return await super().authorize_payment(input)

    async def capture_payment(self, input: CapturePaymentInput) -> PaymentOutput:
        meddle, self.meddle_capture = self.meddle_capture, None
        if meddle is not None:
            await meddle()
        return await super().capture_payment(input)


@pytest.fixture
def meddling() -> MeddlingProvider:
    return MeddlingProvider()


@pytest.fixture
async def pgm(database_url: str, meddling: MeddlingProvider) -> AsyncIterator[PaymentGraph]:
    async with PaymentGraph.connect(database_url, providers=[SystemPaymentProvider(), meddling]) as pg:
        await pg.sync_providers()
        yield pg


async def _numbers(pg: PaymentGraph, collection_id: str) -> tuple[str, Decimal, Decimal]:
    col = await pg.payment.retrieve_payment_collection(collection_id)
    return col.status, col.authorized_amount, col.captured_amount


async def test_a_collection_changed_during_the_authorization_falls_back_to_the_lock(
    pgm: PaymentGraph, meddling: MeddlingProvider, count_statements: Any
) -> None:
    col = await pgm.payment.create_payment_collections({"currency_code": "usd", "amount": "100"})
    first = await pgm.payment.create_payment_session(col.id, {"provider_id": MEDDLING, "amount": "40"})
    second = await pgm.payment.create_payment_session(col.id, {"provider_id": SYSTEM, "amount": "60"})
    # While the first is being authorized, the second is authorized and moves the collection: a write
    # decided on the first's read would leave the collection at 40, partially authorized.
    meddling.meddle = lambda: pgm.payment.authorize_payment_session(second.id)
    counter = count_statements(pgm.engine, control=True)
    payment = await pgm.payment.authorize_payment_session(first.id)
    begins, statements = counter.by_kind()["BEGIN"], list(counter.statements)
    assert payment.amount == Decimal("40")
    assert await _numbers(pgm, col.id) == ("authorized", Decimal("100"), Decimal("0"))
    if pgm.engine.dialect.name == "postgresql":
        # The second's guarded write needed no transaction; the first's guard failed: under the locks.
        assert begins == 1, "\n".join(statements)


async def test_a_session_changed_during_its_authorization_falls_back_to_the_lock(
    pgm: PaymentGraph, meddling: MeddlingProvider
) -> None:
    col = await pgm.payment.create_payment_collections({"currency_code": "usd", "amount": "40"})
    session = await pgm.payment.create_payment_session(col.id, {"provider_id": MEDDLING})
    # The same session authorized meanwhile (a second request): its payment stands, none is added.
    inner: list[Any] = []

    async def authorize_again() -> None:
        inner.append(await pgm.payment.authorize_payment_session(session.id))

    meddling.meddle = authorize_again
    payment = await pgm.payment.authorize_payment_session(session.id)
    assert payment.id == inner[0].id
    assert [p.id for p in await pgm.payment.list_payments({"payment_session_id": session.id})] == [payment.id]
    assert await _numbers(pgm, col.id) == ("authorized", Decimal("40"), Decimal("0"))


async def test_a_session_whose_data_changed_during_its_authorization_keeps_the_new_metadata(
    pgm: PaymentGraph, meddling: MeddlingProvider
) -> None:
    col = await pgm.payment.create_payment_collections({"currency_code": "usd", "amount": "40"})
    session = await pgm.payment.create_payment_session(col.id, {"provider_id": MEDDLING})
    meddling.meddle = lambda: pgm.payment.update_payment_session({"id": session.id, "metadata": {"k": "v"}})
    await pgm.payment.authorize_payment_session(session.id)
    stored = await pgm.payment.retrieve_payment_session(session.id)
    assert (stored.status, stored.metadata) == ("authorized", {"k": "v"})
    assert await _numbers(pgm, col.id) == ("authorized", Decimal("40"), Decimal("0"))


async def test_sessions_created_at_once_in_one_collection_all_count(pg: PaymentGraph) -> None:
    col = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "100"})
    sessions = await asyncio.gather(
        *(
            pg.payment.create_payment_session(col.id, {"provider_id": SYSTEM, "amount": "20"})
            for _ in range(5)
        )
    )
    await asyncio.gather(*(pg.payment.authorize_payment_session(s.id) for s in sessions))
    found = await pg.payment.retrieve_payment_collection(col.id)
    assert len(found.payment_sessions) == 5
    assert (found.status, found.authorized_amount) == ("authorized", Decimal("100"))


async def test_a_collection_changed_during_a_capture_falls_back_to_the_lock(
    pgm: PaymentGraph, meddling: MeddlingProvider, count_statements: Any
) -> None:
    col = await pgm.payment.create_payment_collections({"currency_code": "usd", "amount": "100"})
    first = await pgm.payment.create_payment_session(col.id, {"provider_id": MEDDLING, "amount": "40"})
    second = await pgm.payment.create_payment_session(col.id, {"provider_id": SYSTEM, "amount": "60"})
    payment = await pgm.payment.authorize_payment_session(first.id)
    other = await pgm.payment.authorize_payment_session(second.id)
    # While the first is being captured, the second is captured and moves the collection: a write
    # decided on the first's read would leave the collection at 40 captured.
    meddling.meddle_capture = lambda: pgm.payment.capture_payment({"payment_id": other.id})
    counter = count_statements(pgm.engine, control=True)
    captured = await pgm.payment.capture_payment({"payment_id": payment.id})
    begins, statements = counter.by_kind()["BEGIN"], list(counter.statements)
    assert (captured.captured_amount, [c.status for c in captured.captures]) == (Decimal("40"), ["succeeded"])
    assert await _numbers(pgm, col.id) == ("completed", Decimal("100"), Decimal("100"))
    if pgm.engine.dialect.name == "postgresql":
        assert begins == 1, "\n".join(statements)


async def test_a_payment_captured_again_during_a_capture_falls_back_to_the_lock(
    pgm: PaymentGraph, meddling: MeddlingProvider
) -> None:
    col = await pgm.payment.create_payment_collections({"currency_code": "usd", "amount": "100"})
    session = await pgm.payment.create_payment_session(col.id, {"provider_id": MEDDLING})
    payment = await pgm.payment.authorize_payment_session(session.id)
    # A second capture of the same payment while the first is at the provider: both count.
    meddling.meddle_capture = lambda: pgm.payment.capture_payment({"payment_id": payment.id, "amount": "70"})
    captured = await pgm.payment.capture_payment({"payment_id": payment.id, "amount": "30"})
    assert sorted(c.amount for c in captured.captures) == [Decimal("30"), Decimal("70")]
    assert all(c.status == "succeeded" for c in captured.captures)
    assert captured.captured_amount == Decimal("100")
    assert await _numbers(pgm, col.id) == ("completed", Decimal("100"), Decimal("100"))


async def test_captures_at_once_in_one_collection_all_count(pg: PaymentGraph) -> None:
    col = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "100"})
    sessions = [
        await pg.payment.create_payment_session(col.id, {"provider_id": SYSTEM, "amount": "25"})
        for _ in range(4)
    ]
    payments = [await pg.payment.authorize_payment_session(s.id) for s in sessions]
    await asyncio.gather(*(pg.payment.capture_payment({"payment_id": p.id}) for p in payments))
    assert await _numbers(pg, col.id) == ("completed", Decimal("100"), Decimal("100"))
