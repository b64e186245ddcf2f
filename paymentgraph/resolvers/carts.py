"""Cart mutations (store scope): create a cart in a region."""

from typing import Any

import strawberry

from paymentgraph.db.reach import EVERYONE, Scope
from paymentgraph.errors import Forbidden
from paymentgraph.resolvers.base import MutationDef, entity, load, mutation, values
from paymentgraph.resolvers.inputs import CreateCartInput
from paymentgraph.schema.context import principal_of
from paymentgraph.workflows.cart_order_creation import create_cart as create_cart_workflow

MUTATIONS: list[MutationDef] = []


@mutation(MUTATIONS, "createCart", entity("cart"), scopes=EVERYONE)
async def create_cart(info: strawberry.Info, input: CreateCartInput) -> Any:
    """Create a cart in an existing region; its currency defaults to the region's.

    A signed-in customer's cart is theirs; a guest cannot create a cart for a customer (FORBIDDEN).
    """
    data = values(input)
    principal = principal_of(info.context)
    if principal.scope is Scope.CUSTOMER:
        if data.get("customer_id") not in (None, principal.customer_id):
            raise Forbidden("A customer creates carts for themself only", field="customerId")
        data["customer_id"] = principal.customer_id
    elif not principal.is_admin and data.get("customer_id") is not None:
        raise Forbidden("A guest cannot create a cart for a customer: sign in first", field="customerId")
    created = await create_cart_workflow(info.context.pg, data)
    return await load(info, "cart", created.id)
