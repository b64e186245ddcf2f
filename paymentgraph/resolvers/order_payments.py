"""An order's payments: a collection for what it owes, a collection marked as paid or canceled."""

from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types.unset import UNSET

from paymentgraph.resolvers.base import MutationDef, entity, load, mutation
from paymentgraph.workflows.order_payments import (
    create_order_payment_collection as create_order_payment_collection_workflow,
)
from paymentgraph.workflows.order_payments import (
    mark_payment_collection_as_paid as mark_payment_collection_as_paid_workflow,
)

MUTATIONS: list[MutationDef] = []


def acting_admin(info: strawberry.Info) -> str | None:
    """Who is acting, for audit fields (``created_by``): the request context's actor when it knows one."""
    return getattr(info.context, "actor", None)


@mutation(MUTATIONS, "createOrderPaymentCollection", entity("payment_collection"))
async def create_order_payment_collection(
    info: strawberry.Info, order_id: strawberry.ID, amount: Decimal | None = UNSET
) -> Any:
    """A new collection linked to the order, for ``amount`` (default: its outstandingAmount); refused
    when the order owes nothing."""
    created = await create_order_payment_collection_workflow(
        info.context.pg, order_id, None if amount is UNSET else amount
    )
    return await load(info, "payment_collection", created.id)


@mutation(MUTATIONS, "markPaymentCollectionAsPaid", entity("payment_collection"))
async def mark_payment_collection_as_paid(info: strawberry.Info, id: strawberry.ID) -> Any:
    """A system-provider payment authorized and captured for the rest, recorded as the admin's."""
    await mark_payment_collection_as_paid_workflow(info.context.pg, id, captured_by=acting_admin(info))
    return await load(info, "payment_collection", id)


@mutation(MUTATIONS, "cancelPaymentCollection", entity("payment_collection"))
async def cancel_payment_collection(info: strawberry.Info, id: strawberry.ID) -> Any:
    """Cancel its sessions and uncaptured payments through their providers; refused once anything is
    captured."""
    await info.context.pg.payment.cancel_payment_collection(id)
    return await load(info, "payment_collection", id)
