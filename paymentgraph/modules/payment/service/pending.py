"""Pending captures and refunds: settled by asking the provider again with the SAME idempotency key.

A capture or refund is written ``pending`` (committed, counting against what may still be captured or
refunded) before its provider is asked; its own id is the provider's idempotency key. When the answer
is lost (``ProviderUnavailable``, a crash, a cancellation) the row stays pending: nobody knows whether
the provider acted. Asking again with the same key makes the provider replay its first outcome instead
of acting twice, so settling is always safe:

- a confirmation records the row as succeeded and moves the payment's sums (once, under its lock);
- a definite refusal (any other error the provider raised) removes the row: nothing happened there;
- an unknown outcome again leaves it pending, and the caller is told it may retry.

Three paths settle: the same mutation retried (its request key finds the row), any new capture or refund
on the payment (pending ones first), and the recovery job. None calls a provider inside a transaction.
The settling itself is ``settlement.py``; this module holds what every path shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from paymentgraph.db.session import write_transaction
from paymentgraph.errors import DomainError, IdempotencyKeyReused
from paymentgraph.modules.payment import models
from paymentgraph.modules.payment.repository import common

# The extension naming the operation in errors (contract A: extensions.captureId / refundId).
OPERATION_ID_KEY = {"capture": "captureId", "refund": "refundId"}
_MODELS: dict[str, type[models.Capture] | type[models.Refund]] = {
    "capture": models.Capture,
    "refund": models.Refund,
}


@dataclass(frozen=True)
class PendingOperation:
    """A capture or refund whose provider outcome is not recorded, with what asking again needs."""

    kind: str  # capture | refund
    id: str  # also the provider's idempotency key
    amount: Decimal
    payment_id: str
    provider_id: str
    payment_data: dict[str, Any]
    currency: str


def request_key(data: dict[str, Any]) -> str | None:
    """The caller's key for this intent (``data["idempotency_key"]``): a retry with it resumes."""
    key = data.get("idempotency_key")
    return key if isinstance(key, str) and key else None


def same_request(kind: str, row_amount: Decimal, requested: Decimal | None) -> None:
    """A retry must ask for what the first request asked (an omitted amount means "the same")."""
    if requested is not None and requested != row_amount:
        raise IdempotencyKeyReused(
            f"This idempotency key already belongs to a {kind} of {row_amount}; use a new key for a new "
            f"{kind}",
            field="amount",
        )


def naming(error: DomainError, op: PendingOperation) -> DomainError:
    """``error`` with the operation's id in its extensions (contract key) and its payment's id."""
    error.details.setdefault(OPERATION_ID_KEY[op.kind], op.id)
    error.details.setdefault("payment_id", op.payment_id)
    return error


async def drop_pending(sessionmaker: async_sessionmaker[AsyncSession], op: PendingOperation) -> None:
    """Remove a capture or refund the provider refused, unless it was recorded meanwhile."""
    async with write_transaction(sessionmaker) as session:
        row = await common.get(session, _MODELS[op.kind], op.id, lock=True)
        if row is not None and row.status == "pending":
            await common.hard_delete(session, _MODELS[op.kind], [op.id])
