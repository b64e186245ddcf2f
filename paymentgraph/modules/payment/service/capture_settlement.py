"""Settling a reserved capture: ask its provider (the capture id is the idempotency key), record the outcome.

A success marks the capture succeeded, moves the payment's running sum and recomputes its collection:
on PostgreSQL in one statement guarded by the row versions the reservation saw (``record_if_unchanged``),
otherwise, or when something changed meanwhile, under the payment's and the collection's locks
(``record``). Recording a capture already succeeded changes nothing, so a retry, a recovery and a late
reply may all try.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from paymentgraph.db.session import write_transaction
from paymentgraph.db.types import utcnow
from paymentgraph.errors import not_found
from paymentgraph.events.outbox import event_row, record_events
from paymentgraph.modules.payment import dto
from paymentgraph.modules.payment.providers.base import CapturePaymentInput, PaymentOutput
from paymentgraph.modules.payment.repository import capture_guard, collection_guard, payment_rows
from paymentgraph.modules.payment.repository import collections as collection_repo
from paymentgraph.modules.payment.service.database import Database
from paymentgraph.modules.payment.service.inputs import provider_context
from paymentgraph.modules.payment.service.mapping import (
    Columns,
    capture_dto,
    payment_dto,
    payment_with_children,
    refund_dto,
)
from paymentgraph.modules.payment.service.pending import PendingOperation
from paymentgraph.modules.payment.service.provider_calls import ProviderCalls
from paymentgraph.modules.payment.service.recompute import recompute_locked, recomputed


@dataclass(frozen=True)
class SettleGuard:
    """What a reservation read and wrote, for settling its capture in one guarded statement: the
    payment as read, its row version after the reservation, the capture's creator, its collection
    (with its version) and the collection's facts, all from one snapshot."""

    payment: Columns
    version: str
    created_by: str | None
    collection: Columns
    facts: list[dict[str, Any]]


def _captured_values(payment: Columns, amount: Decimal, output: PaymentOutput, now: Any) -> dict[str, Any]:
    """The payment's new values once a capture of ``amount`` succeeded."""
    captured = payment["captured_amount"] + amount
    values: dict[str, Any] = {"captured_amount": captured, "updated_at": now}
    if output.data:
        values["data"] = output.data
    if (captured >= payment["amount"] or output.capture_closed) and payment["captured_at"] is None:
        values["captured_at"] = now
    return values


def _captured_event(
    payment: Columns, capture_id: str, amount: Decimal, actor_id: str | None
) -> dict[str, Any]:
    return event_row(
        "payment.captured",
        {
            "id": payment["id"],
            "payment_collection_id": payment["payment_collection_id"],
            "capture_id": capture_id,
            "amount": amount,
            "currency_code": payment["currency_code"],
        },
        actor_id=actor_id,
    )


class CaptureSettlementService:
    """Asks the provider for a reserved capture and records what it answered."""

    def __init__(self, db: Database, providers: ProviderCalls) -> None:
        self._db = db
        self._providers = providers

    async def ask(self, op: PendingOperation) -> PaymentOutput:
        """Ask the provider to capture ``op.amount``; the capture id is the idempotency key."""
        return await self._providers.call(
            op.provider_id,
            "capture the payment",
            self._providers.get(op.provider_id).capture_payment(
                CapturePaymentInput(
                    data=op.payment_data,
                    context=provider_context(None, idempotency_key=op.id),
                    amount=op.amount,
                    currency_code=op.currency,
                )
            ),
            payment_id=op.payment_id,
        )

    async def record(self, op: PendingOperation, output: PaymentOutput) -> dto.Payment:
        """Record the provider's confirmation of ``op`` under the locks (see ``apply``)."""
        async with write_transaction(self._db.sessionmaker) as session:
            return await self.apply(session, op.payment_id, op.id, output)

    async def apply(
        self, session: AsyncSession, payment_id: str, capture_id: str, output: PaymentOutput
    ) -> dto.Payment:
        """Mark a capture succeeded and move the payment's sum and the collection (under the lock).

        Recording an already succeeded capture changes nothing (a recovery and a late reply may race).
        """
        conn = await session.connection()
        # One statement locks the payment, then its collection (recomputed below), and reads the capture.
        found = await payment_rows.payment_for_capture(conn, payment_id, capture_id)
        if found is None:
            raise not_found("Payment", payment_id)
        payment, capture, collection = found
        if capture is None:
            raise not_found("Payment", payment_id)
        if capture["status"] != "pending":
            return await payment_with_children(conn, payment)  # succeeded already
        # A capture's amount never changes, so the payment's new sums are known before it is settled.
        now = utcnow()
        values = _captured_values(payment, capture["amount"], output, now)
        settled, captures, refunds, facts = await payment_rows.settle_capture_and_pay(
            conn, capture_id, {"status": "succeeded", "updated_at": now}, payment, values
        )
        if settled is None:  # settled meanwhile (by a recovery or a late reply): nothing written here
            return await payment_with_children(conn, payment)
        await record_events(
            conn, [_captured_event(payment, capture_id, settled["amount"], capture["created_by"])]
        )
        if collection["deleted_at"] is None:
            await recompute_locked(conn, collection, facts)
        return payment_dto(
            {**payment, **values},
            [capture_dto(c) for c in captures],
            [refund_dto(r) for r in refunds],
        )

    async def record_if_unchanged(
        self, op: PendingOperation, output: PaymentOutput, guard: SettleGuard
    ) -> dto.Payment | None:
        """PostgreSQL: settle the capture, move the payment and its collection in one autocommit
        statement, guarded by the payment's version after the reservation, the collection's version as
        read with it, and the capture still pending; None: something changed (or the collection is
        deleted), nothing written: the caller records it under the locks instead."""
        assert self._db.autocommits
        payment, collection = guard.payment, guard.collection
        if collection["deleted_at"] is not None:
            return None
        now = utcnow()
        values = _captured_values(payment, op.amount, output, now)
        capture_values = {"status": "succeeded", "updated_at": now}
        captured = _captured_event(payment, op.id, op.amount, guard.created_by)  # first: ids grow
        moved = {**payment, **values}
        facts = [
            collection_repo.payment_fact(moved)
            if f["kind"] == "p" and f["session_id"] == payment["payment_session_id"]
            else f
            for f in guard.facts
        ]
        changed, events = recomputed(collection, facts)
        async with self._db.autocommit_connection() as conn:
            rows = await collection_guard.write_if_unchanged(
                conn,
                capture_guard.capture_settlement_guard,
                {
                    "guard_payment_id": payment["id"],
                    "guard_capture_id": op.id,
                    "guard_payment_version": guard.version,
                    "guard_collection_version": collection["version"],
                },
                collection["id"],
                changed,
                [
                    collection_guard.Guarded(payment_rows.CAPTURE, capture_values, op.id),
                    collection_guard.Guarded(payment_rows.PAYMENT, values, payment["id"]),
                ],
                [captured, *events],
                result=capture_guard.captures_and_refunds_where,
                result_params={"result_payment_id": payment["id"]},
            )
        if rows is None:
            return None
        # Read as of the statement's start: the capture it settled is applied here.
        captures, refunds = capture_guard.children_rows(rows)
        return payment_dto(
            moved,
            [capture_dto({**c, **capture_values} if c["id"] == op.id else c) for c in captures],
            [refund_dto(r) for r in refunds],
        )
