"""The payment module: its service, DTOs and providers."""

from paymentgraph.modules.payment.dto import (
    AccountHolder,
    Capture,
    Payment,
    PaymentCollection,
    PaymentMethod,
    PaymentProvider,
    PaymentSession,
    Refund,
    RefundReason,
)
from paymentgraph.modules.payment.providers.registry import ProviderRegistry, default_providers
from paymentgraph.modules.payment.providers.system import SystemPaymentProvider
from paymentgraph.modules.payment.service import PaymentModuleService

__all__ = [
    "AccountHolder",
    "Capture",
    "Payment",
    "PaymentCollection",
    "PaymentMethod",
    "PaymentModuleService",
    "PaymentProvider",
    "PaymentSession",
    "ProviderRegistry",
    "Refund",
    "RefundReason",
    "SystemPaymentProvider",
    "default_providers",
]
