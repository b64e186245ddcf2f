"""The accept-payment flow's statements as the database receives them, transaction control included.

PostgreSQL: the outbox's events ride in the statement that makes their change, paired row locks are
taken by one statement, a lone write runs in autocommit (no BEGIN/COMMIT), and creating a session and
authorizing it each write in one statement guarded by the row versions they read (only the capture's
settlement still runs in a transaction). SQLite (no
data-modifying CTEs, BEGIN IMMEDIATE per writer) keeps the plain statements.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from paymentgraph import PaymentGraph

SYSTEM = "pp_system_default"
FLOW_STATEMENTS = {
    "postgresql": {"SELECT": 3, "WITH": 5, "UPDATE": 1},
    "sqlite": {"BEGIN": 7, "COMMIT": 6, "ROLLBACK": 1, "SELECT": 10, "INSERT": 8, "UPDATE": 7},
}


async def accept_payment(pg: PaymentGraph) -> None:
    collection = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "40"})
    session = await pg.payment.create_payment_session(collection.id, {"provider_id": SYSTEM})
    payment = await pg.payment.authorize_payment_session(session.id)
    captured = await pg.payment.capture_payment({"payment_id": payment.id})
    assert captured.captured_amount == Decimal("40")
    final = await pg.payment.retrieve_payment_collection(collection.id)
    assert (final.status, final.authorized_amount, final.captured_amount) == ("completed", 40, 40)


async def test_the_flow_sends_a_known_number_of_statements(pg: PaymentGraph, count_statements: Any) -> None:
    await accept_payment(pg)  # the first flow also pays for the engine's first-use queries
    counter = count_statements(pg.engine, control=True)
    collection = await pg.payment.create_payment_collections({"currency_code": "usd", "amount": "40"})
    session = await pg.payment.create_payment_session(collection.id, {"provider_id": SYSTEM})
    payment = await pg.payment.authorize_payment_session(session.id)
    captured = await pg.payment.capture_payment({"payment_id": payment.id})
    assert captured.captured_amount == Decimal("40")
    expected = FLOW_STATEMENTS[pg.engine.dialect.name]
    assert dict(counter.by_kind()) == expected, "\n".join(counter.statements)
    assert counter.count == sum(expected.values())
    counter.reset()
    final = await pg.payment.retrieve_payment_collection(collection.id)
    assert (final.status, final.authorized_amount, final.captured_amount) == ("completed", 40, 40)
