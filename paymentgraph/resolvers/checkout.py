"""The store's checkout mutations: each runs a workflow, keyed by the request's Idempotency-Key."""

from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types.unset import UNSET

from paymentgraph.db.reach import EVERYONE
from paymentgraph.resolvers.base import Acts, MutationDef, entity, load, mutation
from paymentgraph.schema.context import principal_of
from paymentgraph.schema.idempotency import workflow_key
from paymentgraph.workflows.cart_payment import create_cart_payment_collection, initiate_payment_session
from paymentgraph.workflows.checkout import complete_cart

MUTATIONS: list[MutationDef] = []


@mutation(MUTATIONS, "createCartPaymentCollection", entity("payment_collection"), scopes=EVERYONE,
          acts_on=(Acts("cart_id", "cart"),))  # fmt: skip
async def create_cart_payment_collection_(info: strawberry.Info, cart_id: strawberry.ID) -> Any:
    """The cart's payment collection for its total; the existing one when the cart has one."""
    collection = await create_cart_payment_collection(
        info.context.pg, cart_id, idempotency_key=workflow_key(info)
    )
    return await load(info, "payment_collection", collection.id)


@mutation(MUTATIONS, "initiatePaymentSession", entity("payment_session"), scopes=EVERYONE,
          acts_on=(Acts("payment_collection_id", "payment_collection", through="cart"),))  # fmt: skip
async def initiate_payment_session_(
    info: strawberry.Info,
    payment_collection_id: strawberry.ID,
    provider_id: strawberry.ID,
    data: JSON | None = UNSET,
) -> Any:
    """Open a session with a provider of the cart's region; the collection's other sessions are deleted.

    A signed-in customer's session carries them and their account holder at the provider, so a method
    can be saved during checkout and offered again.
    """
    session = await initiate_payment_session(
        info.context.pg,
        payment_collection_id,
        provider_id,
        data or {},
        idempotency_key=workflow_key(info),
        customer_id=principal_of(info.context).customer_id,
    )
    return await load(info, "payment_session", session.id)


@mutation(MUTATIONS, "completeCart", entity("order"), scopes=EVERYONE, acts_on=(Acts("cart_id", "cart"),))
async def complete_cart_(info: strawberry.Info, cart_id: strawberry.ID) -> Any:
    """Authorize the cart's payment session, create its order and link it; resumable with Idempotency-Key."""
    order = await complete_cart(info.context.pg, cart_id, idempotency_key=workflow_key(info))
    return await load(info, "order", order.id)
