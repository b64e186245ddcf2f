"""Creating carts and orders: the region and customer they name must exist.

The cart and order modules never read regions or customers (modules are sealed), so without this a
cart could point at a region that does not exist: its non-null ``region`` then cannot be read, and
``initiatePaymentSession`` finds no provider for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from paymentgraph.errors import InvalidData

if TYPE_CHECKING:
    from paymentgraph.modules.cart.dto import CartDTO
    from paymentgraph.modules.order.dto import OrderDTO
    from paymentgraph.modules.region.dto import RegionDTO
    from paymentgraph.workflows.services import Services


async def _referenced_region(pg: Services, data: Mapping[str, Any]) -> RegionDTO:
    """The region ``data`` names (NOT_FOUND if missing); its customer, if named, must exist too."""
    if not isinstance(data, Mapping):
        raise InvalidData("The input must be an object", field="data")
    region_id = data.get("region_id")
    if not isinstance(region_id, str) or not region_id:
        raise InvalidData("region_id is required", field="region_id")
    region = await pg.region.retrieve_region(region_id)
    customer_id = data.get("customer_id")
    if customer_id is not None:
        if not isinstance(customer_id, str) or not customer_id:
            raise InvalidData("customer_id must be a customer id", field="customer_id")
        await pg.customer.retrieve_customer(customer_id)
    return region


async def create_cart(pg: Services, data: Mapping[str, Any]) -> CartDTO:
    """Create a cart in an existing region, for an existing customer; currency defaults to the region's."""
    region = await _referenced_region(pg, data)
    values = dict(data)
    if values.get("currency_code") is None:
        values["currency_code"] = region.currency_code
    return await pg.cart.create_carts(values)


async def create_order(pg: Services, data: Mapping[str, Any]) -> OrderDTO:
    """Create an order in an existing region (for an existing customer)."""
    await _referenced_region(pg, data)
    return await pg.order.create_orders(dict(data))
