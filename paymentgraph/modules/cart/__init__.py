"""The cart module: carts with line items, a stored total and completion."""

from paymentgraph.modules.cart.dto import CartDTO, LineItemDTO
from paymentgraph.modules.cart.service import CartModuleService

__all__ = ["CartDTO", "CartModuleService", "LineItemDTO"]
