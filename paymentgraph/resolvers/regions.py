"""Region and customer mutations."""

from typing import Any

import strawberry

from paymentgraph.resolvers.base import MutationDef, entity, load, mutation, values
from paymentgraph.resolvers.inputs import CreateCustomerInput, CreateRegionInput

MUTATIONS: list[MutationDef] = []


@mutation(MUTATIONS, "createRegion", entity("region"))
async def create_region(info: strawberry.Info, input: CreateRegionInput) -> Any:
    """Create a region with its currency."""
    created = await info.context.pg.region.create_regions(values(input))
    return await load(info, "region", created.id)


@mutation(MUTATIONS, "createCustomer", entity("customer"))
async def create_customer(info: strawberry.Info, input: CreateCustomerInput) -> Any:
    """Create a customer."""
    created = await info.context.pg.customer.create_customers(values(input))
    return await load(info, "customer", created.id)
