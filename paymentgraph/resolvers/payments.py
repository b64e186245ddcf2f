"""Payment mutations: capture, refund, cancel."""

from decimal import Decimal
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types.unset import UNSET

from paymentgraph.resolvers.base import MutationDef, entity, given, load, mutation
from paymentgraph.schema.context import principal_of
from paymentgraph.schema.idempotency import workflow_key

MUTATIONS: list[MutationDef] = []


@mutation(MUTATIONS, "capturePayment", entity("payment"))
async def capture_payment(
    info: strawberry.Info, payment_id: strawberry.ID, amount: Decimal | None = UNSET
) -> Any:
    """Capture an amount of an authorized payment; without an amount, what remains."""
    # The request's Idempotency-Key (if any) names the capture: a retry resumes it, never captures anew.
    data = {
        "payment_id": payment_id,
        "idempotency_key": workflow_key(info),
        **given(amount=amount),
        "captured_by": principal_of(info.context).actor,
    }
    await info.context.pg.payment.capture_payment({k: v for k, v in data.items() if v is not None})
    return await load(info, "payment", payment_id)


@mutation(MUTATIONS, "refundPayment", entity("payment"))
async def refund_payment(
    info: strawberry.Info,
    payment_id: strawberry.ID,
    amount: Decimal | None = UNSET,
    refund_reason_id: strawberry.ID | None = UNSET,
    note: str | None = UNSET,
) -> Any:
    """Refund an amount of a payment; without an amount, everything captured and not yet refunded."""
    data = {
        "payment_id": payment_id,
        "idempotency_key": workflow_key(info),
        **given(amount=amount, refund_reason_id=refund_reason_id, note=note),
        "created_by": principal_of(info.context).actor,
    }
    await info.context.pg.payment.refund_payment({k: v for k, v in data.items() if v is not None})
    return await load(info, "payment", payment_id)


@mutation(MUTATIONS, "cancelPayment", entity("payment"))
async def cancel_payment(info: strawberry.Info, payment_id: strawberry.ID) -> Any:
    """Cancel an authorized payment that has not been captured."""
    await info.context.pg.payment.cancel_payment(payment_id, canceled_by=principal_of(info.context).actor)
    return await load(info, "payment", payment_id)


@mutation(MUTATIONS, "updatePayment", entity("payment"))
async def update_payment(info: strawberry.Info, id: strawberry.ID, metadata: JSON | None = UNSET) -> Any:
    """Replace a payment's metadata (null clears it; nothing is asked of the provider)."""
    await info.context.pg.payment.update_payment({"id": id, **given(metadata=metadata)})
    return await load(info, "payment", id)
