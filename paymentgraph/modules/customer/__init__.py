"""The customer module: customers with an email and names."""

from paymentgraph.modules.customer.dto import CustomerDTO
from paymentgraph.modules.customer.service import CustomerModuleService

__all__ = ["CustomerDTO", "CustomerModuleService"]
