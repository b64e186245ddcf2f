"""Cart mutations (store scope): create a cart in a region."""

from typing import Any

import strawberry

from paymentgraph.resolvers.base import MutationDef, entity, load, mutation, values
from paymentgraph.resolvers.inputs import CreateCartInput

MUTATIONS: list[MutationDef] = []


@mutation(MUTATIONS, "createCart", entity("cart"))
async def create_cart(info: strawberry.Info, input: CreateCartInput) -> Any:
    """Create a cart; its currency defaults to the region's."""
    pg = info.context.pg
    data = values(input)
    if data.get("currency_code") is None:
        # The cart module never reads regions (modules are sealed), so the API layer resolves the currency.
        region = await pg.region.retrieve_region(data["region_id"])
        data["currency_code"] = region.currency_code
    created = await pg.cart.create_carts(data)
    return await load(info, "cart", created.id)
