"""Payment session mutations: create, update, delete, authorize."""

from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types.unset import UNSET

from paymentgraph.resolvers.base import MutationDef, entity, load, mutation, static, values
from paymentgraph.resolvers.inputs import CreatePaymentSessionInput, UpdatePaymentSessionInput
from paymentgraph.schema.types import DeleteResult

MUTATIONS: list[MutationDef] = []


@mutation(MUTATIONS, "createPaymentSession", entity("payment_session"))
async def create_payment_session(
    info: strawberry.Info, payment_collection_id: strawberry.ID, input: CreatePaymentSessionInput
) -> Any:
    """Open a session with a provider for a collection (amount and currency default to the collection's)."""
    created = await info.context.pg.payment.create_payment_session(payment_collection_id, values(input))
    return await load(info, "payment_session", created.id)


@mutation(MUTATIONS, "updatePaymentSession", entity("payment_session"))
async def update_payment_session(
    info: strawberry.Info, id: strawberry.ID, input: UpdatePaymentSessionInput
) -> Any:
    """Change a session's amount, currency, data, context or metadata."""
    await info.context.pg.payment.update_payment_session({**values(input), "id": id})
    return await load(info, "payment_session", id)


@mutation(MUTATIONS, "deletePaymentSession", static(DeleteResult))
async def delete_payment_session(info: strawberry.Info, id: strawberry.ID) -> Any:
    """Delete a session (the provider is told first)."""
    await info.context.pg.payment.delete_payment_session(id)
    return DeleteResult(id=id, deleted=True)


@mutation(MUTATIONS, "authorizePaymentSession", entity("payment"))
async def authorize_payment_session(
    info: strawberry.Info, id: strawberry.ID, context: JSON | None = UNSET
) -> Any:
    """Authorize a session with its provider; returns the payment it creates."""
    payment = await info.context.pg.payment.authorize_payment_session(id, context or {})
    return await load(info, "payment", payment.id)
