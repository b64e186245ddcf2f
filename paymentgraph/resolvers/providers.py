"""Payment provider and refund reason mutations."""

from typing import Any

import strawberry

from paymentgraph.resolvers.base import MutationDef, entity, load, mutation, static, values
from paymentgraph.resolvers.inputs import CreateRefundReasonInput, UpdateRefundReasonInput
from paymentgraph.schema.types import DeleteResult

MUTATIONS: list[MutationDef] = []


@mutation(MUTATIONS, "updatePaymentProvider", entity("payment_provider"))
async def update_payment_provider(info: strawberry.Info, id: strawberry.ID, is_enabled: bool) -> Any:
    """Enable or disable a payment provider."""
    await info.context.pg.payment.update_payment_provider(id, is_enabled)
    return await load(info, "payment_provider", id)


@mutation(MUTATIONS, "createRefundReason", entity("refund_reason"))
async def create_refund_reason(info: strawberry.Info, input: CreateRefundReasonInput) -> Any:
    """Create a reason refunds can name."""
    created = await info.context.pg.payment.create_refund_reasons(values(input))
    return await load(info, "refund_reason", created.id)


@mutation(MUTATIONS, "updateRefundReason", entity("refund_reason"))
async def update_refund_reason(
    info: strawberry.Info, id: strawberry.ID, input: UpdateRefundReasonInput
) -> Any:
    """Change a refund reason's label, code, description or metadata."""
    await info.context.pg.payment.update_refund_reasons({"id": id, **values(input)})
    return await load(info, "refund_reason", id)


@mutation(MUTATIONS, "deleteRefundReason", static(DeleteResult))
async def delete_refund_reason(info: strawberry.Info, id: strawberry.ID) -> Any:
    """Soft-delete a refund reason; refunds that name it keep it."""
    await info.context.pg.payment.delete_refund_reasons(id)
    return DeleteResult(id=id, deleted=True)
