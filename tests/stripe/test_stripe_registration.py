"""Stripe is loaded when PAYMENTGRAPH_STRIPE_API_KEY is set, as ``pp_stripe_stripe``. No peer needed."""

from __future__ import annotations

from paymentgraph.config import Settings
from paymentgraph.modules.payment.providers.registry import default_providers


async def test_stripe_is_loaded_only_with_an_api_key() -> None:
    without = default_providers(Settings(stripe_api_key=None))
    assert [p.id for p in without] == ["pp_system_default"]

    loaded = default_providers(Settings(stripe_api_key="sk_test_x", stripe_api_base="http://127.0.0.1:9"))
    assert [p.id for p in loaded] == ["pp_system_default", "pp_stripe_stripe"]
    for provider in loaded:
        await provider.close()
