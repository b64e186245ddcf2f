"""Cart mutations (store scope): create a cart in a region."""

from typing import Any

import strawberry

from paymentgraph.resolvers.base import MutationDef, entity, load, mutation, values
from paymentgraph.resolvers.inputs import CreateCartInput
from paymentgraph.workflows.cart_order_creation import create_cart as create_cart_workflow

MUTATIONS: list[MutationDef] = []


@mutation(MUTATIONS, "createCart", entity("cart"))
async def create_cart(info: strawberry.Info, input: CreateCartInput) -> Any:
    """Create a cart in an existing region; its currency defaults to the region's."""
    created = await create_cart_workflow(info.context.pg, values(input))
    return await load(info, "cart", created.id)
