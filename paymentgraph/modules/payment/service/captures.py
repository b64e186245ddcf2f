"""Capturing a payment: reserve under the payment's row lock, ask the provider, record or keep pending.

The pending capture row is written and committed under the lock, so it counts toward the capturable
amount for every concurrent request; only then is the provider called (idempotency key: the capture
id). Success marks the capture succeeded and moves the payment's running sum; a definite refusal
(ProviderError) removes the pending row. An unknown outcome (ProviderUnavailable: the answer was lost),
a cancellation or a crash leaves it pending, to be settled with the same key (``pending.py``): when the
same request is retried (its ``idempotency_key``), before the next capture of the payment, or by
``recover_pending_operations``. This module reserves; ``capture_settlement.py`` asks and records.

When the provider says it will capture no more of the payment (``PaymentOutput.capture_closed``, e.g.
Stripe after a partial capture without multicapture), ``captured_at`` is set although less than the
amount was captured; the payment is then closed for capture and a later capture is NOT_ALLOWED.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from paymentgraph.db.ids import new_id
from paymentgraph.db.session import read_session, write_transaction
from paymentgraph.db.types import utcnow
from paymentgraph.errors import DomainError, InvalidData, NotAllowed, ProviderUnavailable, not_found
from paymentgraph.modules.payment import dto, models
from paymentgraph.modules.payment.providers.base import PaymentOutput
from paymentgraph.modules.payment.repository import capture_guard, common, payment_rows
from paymentgraph.modules.payment.service.capture_settlement import CaptureSettlementService, SettleGuard
from paymentgraph.modules.payment.service.database import Database
from paymentgraph.modules.payment.service.inputs import require_dict
from paymentgraph.modules.payment.service.listing import Filters, list_and_count
from paymentgraph.modules.payment.service.mapping import Columns, capture_dto, payment_with_children
from paymentgraph.modules.payment.service.pending import (
    PendingOperation,
    drop_pending,
    naming,
    request_key,
    same_request,
)
from paymentgraph.modules.payment.service.settlement import SettlementService
from paymentgraph.money import parse_amount

ZERO = Decimal(0)
# Optimistic reservations that may find the payment changed before one takes its lock and waits.
_READS_BEFORE_LOCKING = 3


@dataclass(frozen=True)
class _Reserved:
    """A pending capture committed under the payment's lock: the provider is asked next."""

    op: PendingOperation
    guard: SettleGuard | None = None


# What one pass under the payment's lock decided: done (the payment), settle these pending captures first
# (a list), resume the caller's own pending capture (a PendingOperation), or ask the provider (_Reserved).
_Step = dto.Payment | list[PendingOperation] | PendingOperation | _Reserved


def _pending(payment: Columns, capture: Columns) -> PendingOperation:
    """A pending capture of ``payment``, with what asking its provider again needs."""
    return PendingOperation(
        "capture",
        capture["id"],
        capture["amount"],
        payment["id"],
        payment["provider_id"],
        dict(payment["data"] or {}),
        payment["currency_code"],
    )


class CaptureService:
    """New captures: reserved here, then asked for and recorded by ``capture_settlement``."""

    def __init__(
        self, db: Database, settlement: SettlementService, capture_settlement: CaptureSettlementService
    ) -> None:
        self._db = db
        self._settlement = settlement
        self._capture_settlement = capture_settlement

    async def capture_payment(self, data: Mapping[str, Any]) -> dto.Payment:
        """Capture ``amount`` of a payment (omitted: what remains); returns the payment with captures.

        A fully captured payment asked again without an amount is returned unchanged (idempotent, so
        a webhook and a manual capture cannot capture twice). ``is_captured: True`` records a capture
        the provider already made (a webhook, an auto-capture) without asking the provider again.
        ``idempotency_key`` names the caller's intent: a retry with it resumes the capture it created
        (settled with the same provider key) instead of capturing again.

        Pending captures of the payment are settled first. When the provider's answer is lost the
        capture stays pending and ProviderUnavailable (PROVIDER_UNAVAILABLE, ``captureId``) is raised;
        a definite refusal removes it and raises the provider's error.
        """
        data = require_dict(data, "data")
        payment_id = data.get("payment_id")
        if not isinstance(payment_id, str) or not payment_id:
            raise InvalidData("payment_id is required", field="payment_id")
        require_dict(data.get("metadata"), "metadata")
        return await self._settlement.reserve_and_call(
            lambda settle_first: self._reserve_capture(payment_id, data, settle_first=settle_first),
            lambda reserved: self._capture_reserved(reserved.op, reserved.guard),
            keyed=request_key(data) is not None,
        )

    async def _reserve_capture(self, payment_id: str, data: dict[str, Any], *, settle_first: bool) -> _Step:
        """Validate, and write the pending capture under the payment's lock unless something comes first."""
        if self._db.autocommits and data.get("is_captured") is not True:
            step = await self._reserve_in_one_statement(payment_id, data, settle_first=settle_first)
            if step is not None:
                return step
        async with write_transaction(self._db.sessionmaker) as session:
            conn = await session.connection()
            payment = await payment_rows.lock_payment(conn, payment_id)
            if payment is None:
                raise not_found("Payment", payment_id)
            # Read under the payment's lock, so concurrent captures see each other's reservations.
            captures = await payment_rows.captures_for_limit(conn, payment_id)
            decision = self._decide_capture(payment, captures, data, settle_first=settle_first)
            if isinstance(decision, str):  # "unchanged"
                return await payment_with_children(conn, payment)
            if not isinstance(decision, dict):
                return decision
            await payment_rows.insert_capture(conn, decision)
            # Optimistic reservations that read the payment before this lock must see it changed.
            await payment_rows.new_payment_version(conn, payment_id)
            if data.get("is_captured") is True:
                return await self._capture_settlement.apply(
                    session, payment_id, decision["id"], PaymentOutput()
                )
            return _Reserved(_pending(payment, decision))

    async def _reserve_in_one_statement(
        self, payment_id: str, data: dict[str, Any], *, settle_first: bool
    ) -> _Step | None:
        """PostgreSQL: decide on one read, then insert the pending capture with one statement that takes
        the payment's lock and writes only if the payment is still as read (autocommit: no BEGIN or
        COMMIT). Anything but an insert is decided on that read alone: one consistent snapshot, as if
        the request had run then. None: the payment kept changing, take the lock instead."""
        assert self._db.autocommits
        async with self._db.autocommit_connection() as conn:
            for _ in range(_READS_BEFORE_LOCKING):
                # With what settling in one guarded statement needs: the collection and its facts.
                found = await capture_guard.payment_for_guarded_capture(conn, payment_id)
                if found is None:
                    raise not_found("Payment", payment_id)
                payment, captures, collection, facts = found
                decision = self._decide_capture(payment, captures, data, settle_first=settle_first)
                if isinstance(decision, str):  # "unchanged"
                    return await payment_with_children(conn, payment)
                if not isinstance(decision, dict):
                    return decision
                version = await capture_guard.reserve_capture_if_unchanged(conn, decision, payment["version"])
                if version is not None:
                    guard = SettleGuard(payment, version, decision["created_by"], collection, facts)
                    return _Reserved(_pending(payment, decision), guard)
        return None

    def _decide_capture(
        self, payment: Columns, captures: Sequence[Columns], data: dict[str, Any], *, settle_first: bool
    ) -> dict[str, Any] | list[PendingOperation] | PendingOperation | str:
        """What a capture request does given the payment and its live captures: the capture row to
        insert (a dict), operations to settle or resume, or "unchanged" (return the payment as it is)."""
        payment_id, key = payment["id"], request_key(data)
        if payment["canceled_at"] is not None:
            raise InvalidData(f"The payment: {payment_id} has been canceled.", payment_id=payment_id)
        total, captured_amount = payment["amount"], payment["captured_amount"]
        currency = payment["currency_code"]
        requested = data.get("amount")
        amount = None if requested is None else parse_amount(requested, currency, positive=True)

        mine = next((c for c in captures if key is not None and c["idempotency_key"] == key), None)
        if mine is not None:  # the same request again: resume it, never capture anew
            same_request("capture", mine["amount"], amount)
            return _pending(payment, mine) if mine["status"] == "pending" else "unchanged"
        unsettled = [c for c in captures if c["status"] == "pending"] if settle_first else []
        if unsettled and data.get("is_captured") is not True:
            return [_pending(payment, c) for c in unsettled]  # settled outside the transaction, then again

        reserved = sum((c["amount"] for c in captures), ZERO)  # pending included
        remaining = total - reserved
        if payment["captured_at"] is not None and captured_amount < total:
            raise NotAllowed(
                f"Payment {payment_id} cannot be captured again: after the partial capture of "
                f"{captured_amount} {currency.upper()} the provider released the "
                f"remaining authorization of {total - captured_amount}; create a new "
                "payment session to collect the rest.",
                payment_id=payment_id,
            )
        if amount is None:
            if remaining <= 0:
                return "unchanged"
            amount = remaining
        elif amount > remaining:
            raise InvalidData(
                "You cannot capture more than the authorized amount substracted by what is already "
                f"captured (payment {payment_id}: {remaining} of {total} "
                f"{currency.upper()} left).",
                payment_id=payment_id,
                field="amount",
            )
        now = utcnow()
        return {
            "id": new_id("capt"),
            "payment_id": payment_id,
            "amount": amount,
            "status": "pending",
            "idempotency_key": key,
            "created_by": data.get("captured_by"),
            "metadata": require_dict(data.get("metadata"), "metadata") or None,
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
        }

    async def _capture_reserved(self, op: PendingOperation, guard: SettleGuard | None = None) -> dto.Payment:
        """Ask the provider for a just reserved capture; only a definite refusal removes it."""
        try:
            output = await self._capture_settlement.ask(op)
        except ProviderUnavailable as exc:
            naming(exc, op)
            raise  # the capture stays pending: a retry, the next capture or the recovery job settles it
        except Exception as exc:
            # A refusal (or a provider that is not loaded): nothing was captured.
            await drop_pending(self._db.sessionmaker, op)
            if isinstance(exc, DomainError):
                naming(exc, op)
            raise
        if guard is not None:
            recorded = await self._capture_settlement.record_if_unchanged(op, output, guard)
            if recorded is not None:
                return recorded
        return await self._capture_settlement.record(op, output)

    async def list_captures(
        self, filters: Mapping[str, Any] | None = None, *, skip: int = 0, take: int | None = None
    ) -> list[dto.Capture]:
        """Captures matching equality/IN filters (e.g. ``{"payment_id": id}``), oldest first."""
        async with read_session(self._db.sessionmaker) as session:
            rows = await common.list_rows(session, models.Capture, filters, skip=skip, take=take)
            return [capture_dto(r) for r in rows]

    async def list_and_count_captures(
        self, filters: Filters = None, *, skip: int = 0, take: int | None = None
    ) -> tuple[list[dto.Capture], int]:
        return await list_and_count(
            self._db.sessionmaker, self.list_captures, models.Capture, filters, skip, take
        )
