"""Payment collection mutations: create, update, delete, complete."""

from typing import Any

import strawberry

from paymentgraph.resolvers.base import MutationDef, entity, load, mutation, static, values
from paymentgraph.resolvers.inputs import CreatePaymentCollectionInput, UpdatePaymentCollectionInput
from paymentgraph.schema.types import DeleteResult
from paymentgraph.workflows.delete_payment_collection import (
    delete_payment_collection as delete_payment_collection_workflow,
)

MUTATIONS: list[MutationDef] = []


@mutation(MUTATIONS, "createPaymentCollection", entity("payment_collection"))
async def create_payment_collection(info: strawberry.Info, input: CreatePaymentCollectionInput) -> Any:
    """Create a payment collection for an amount in a currency."""
    created = await info.context.pg.payment.create_payment_collections(values(input))
    return await load(info, "payment_collection", created.id)


@mutation(MUTATIONS, "updatePaymentCollection", entity("payment_collection"))
async def update_payment_collection(
    info: strawberry.Info, id: strawberry.ID, input: UpdatePaymentCollectionInput
) -> Any:
    """Change a collection's currency, amount or metadata; its status is recomputed."""
    await info.context.pg.payment.update_payment_collections(id, values(input))
    return await load(info, "payment_collection", id)


@mutation(MUTATIONS, "deletePaymentCollection", static(DeleteResult))
async def delete_payment_collection(info: strawberry.Info, id: strawberry.ID) -> Any:
    """Delete a collection with its sessions, payments, captures and refunds, and dismiss its links."""
    await delete_payment_collection_workflow(info.context.pg, id)
    return DeleteResult(id=id, deleted=True)


@mutation(MUTATIONS, "completePaymentCollection", entity("payment_collection"))
async def complete_payment_collection(info: strawberry.Info, id: strawberry.ID) -> Any:
    """Mark a collection completed (kept if already completed)."""
    await info.context.pg.payment.complete_payment_collections(id)
    return await load(info, "payment_collection", id)
