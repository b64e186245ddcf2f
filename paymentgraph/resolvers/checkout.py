"""The store's checkout mutations: each runs a workflow, keyed by the request's Idempotency-Key."""

from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types.unset import UNSET

from paymentgraph.resolvers.base import MutationDef, entity, load, mutation
from paymentgraph.schema.idempotency import workflow_key
from paymentgraph.workflows.cart_payment import create_cart_payment_collection, initiate_payment_session
from paymentgraph.workflows.checkout import complete_cart

MUTATIONS: list[MutationDef] = []


@mutation(MUTATIONS, "createCartPaymentCollection", entity("payment_collection"))
async def create_cart_payment_collection_(info: strawberry.Info, cart_id: strawberry.ID) -> Any:
    """The cart's payment collection for its total; the existing one when the cart has one."""
    collection = await create_cart_payment_collection(
        info.context.pg, cart_id, idempotency_key=workflow_key(info)
    )
    return await load(info, "payment_collection", collection.id)


@mutation(MUTATIONS, "initiatePaymentSession", entity("payment_session"))
async def initiate_payment_session_(
    info: strawberry.Info,
    payment_collection_id: strawberry.ID,
    provider_id: strawberry.ID,
    data: JSON | None = UNSET,
) -> Any:
    """Open a session with a provider of the cart's region; the collection's other sessions are deleted."""
    session = await initiate_payment_session(
        info.context.pg,
        payment_collection_id,
        provider_id,
        data or {},
        idempotency_key=workflow_key(info),
    )
    return await load(info, "payment_session", session.id)


@mutation(MUTATIONS, "completeCart", entity("order"))
async def complete_cart_(info: strawberry.Info, cart_id: strawberry.ID) -> Any:
    """Authorize the cart's payment session, create its order and link it; resumable with Idempotency-Key."""
    order = await complete_cart(info.context.pg, cart_id, idempotency_key=workflow_key(info))
    return await load(info, "order", order.id)
