"""The order module: orders with items and display ids, claims and exchanges."""

from paymentgraph.modules.order.dto import OrderClaimDTO, OrderDTO, OrderExchangeDTO, OrderLineItemDTO
from paymentgraph.modules.order.service import OrderModuleService

__all__ = ["OrderClaimDTO", "OrderDTO", "OrderExchangeDTO", "OrderLineItemDTO", "OrderModuleService"]
