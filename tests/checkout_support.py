"""Shared by the checkout tests (workflow and HTTP): a provider that counts its calls, and seeding."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from paymentgraph.modules.payment.providers.base import PaymentInput, PaymentOutput, SessionStatus
from paymentgraph.modules.payment.providers.system import SystemPaymentProvider

COUNTING_PROVIDER_ID = "pp_counting_default"
SYSTEM_PROVIDER_ID = "pp_system_default"


class CountingProvider(SystemPaymentProvider):
    """The system provider under another id, counting every call; ``authorize_status`` is settable."""

    identifier = "counting"

    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[str] = Counter()
        self.authorize_status = SessionStatus.AUTHORIZED

    def __getattribute__(self, name: str) -> Any:
        attribute = super().__getattribute__(name)
        if name.endswith("_payment") and callable(attribute):
            super().__getattribute__("calls")[name] += 1
        return attribute

    async def authorize_payment(self, input: PaymentInput) -> PaymentOutput:
        status = self.authorize_status
        return PaymentOutput(data={**input.data, "status": status.value}, status=status)


@dataclass(frozen=True)
class Checkout:
    """A region offering both providers and an open cart of 30.00 USD (2 x 10.00 + 1 x 10.00)."""

    region_id: str
    cart_id: str


async def seed_checkout(
    pg: Any, *, providers: tuple[str, ...] = (SYSTEM_PROVIDER_ID, COUNTING_PROVIDER_ID)
) -> Checkout:
    region = await pg.region.create_regions({"name": "US", "currency_code": "usd"})
    for provider_id in providers:
        await pg.link.create(
            {"region": {"region_id": region.id}, "payment": {"payment_provider_id": provider_id}}
        )
    cart = await pg.cart.create_carts(
        {
            "region_id": region.id,
            "currency_code": "usd",
            "email": "buyer@example.com",
            "items": [
                {"title": "Shirt", "quantity": 2, "unit_price": "10.00"},
                {"title": "Hat", "quantity": 1, "unit_price": "10.00"},
            ],
        }
    )
    return Checkout(region_id=region.id, cart_id=cart.id)
