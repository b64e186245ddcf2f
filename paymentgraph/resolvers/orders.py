"""Order, claim and exchange mutations."""

from typing import Any

import strawberry

from paymentgraph.resolvers.base import MutationDef, entity, load, mutation, values
from paymentgraph.resolvers.inputs import CreateOrderInput
from paymentgraph.workflows.cart_order_creation import create_order as create_order_workflow

MUTATIONS: list[MutationDef] = []


@mutation(MUTATIONS, "createOrder", entity("order"))
async def create_order(info: strawberry.Info, input: CreateOrderInput) -> Any:
    """Create an order with its line items."""
    created = await create_order_workflow(info.context.pg, values(input))
    return await load(info, "order", created.id)


@mutation(MUTATIONS, "createOrderClaim", entity("order_claim"))
async def create_order_claim(info: strawberry.Info, order_id: strawberry.ID, type: str) -> Any:
    """Create a claim (refund or replace) on an order."""
    created = await info.context.pg.order.create_order_claims({"order_id": order_id, "type": type})
    return await load(info, "order_claim", created.id)


@mutation(MUTATIONS, "createOrderExchange", entity("order_exchange"))
async def create_order_exchange(info: strawberry.Info, order_id: strawberry.ID) -> Any:
    """Create an exchange on an order."""
    created = await info.context.pg.order.create_order_exchanges({"order_id": order_id})
    return await load(info, "order_exchange", created.id)
