"""Smallest-unit conversion at the Stripe boundary (Medusa's reference vectors, §6.2). No peer needed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from paymentgraph.modules.payment.providers.stripe_amounts import from_smallest_unit, to_smallest_unit


@pytest.mark.parametrize(
    ("amount", "currency", "units"),
    [
        ("50098", "jpy", 50098),
        ("5.124", "kwd", 5130),
        ("5.126", "kwd", 5130),
        ("2.675", "usd", 268),
        ("100.54", "usd", 10054),
        ("0.54", "usd", 54),
        ("0.054", "usd", 5),
        ("0.005104", "usd", 1),
        ("0.004104", "usd", 0),
        ("20", "EUR", 2000),
        ("5", "isk", 500),
    ],
)
def test_amounts_reach_stripe_in_its_smallest_unit(amount: str, currency: str, units: int) -> None:
    assert to_smallest_unit(Decimal(amount), currency) == units


@pytest.mark.parametrize(
    ("units", "currency", "amount"),
    [(2000, "usd", "20.00"), (500, "jpy", "500"), (5130, "kwd", "5.130"), (1, "usd", "0.01")],
)
def test_stripe_amounts_come_back_exact(units: int, currency: str, amount: str) -> None:
    assert from_smallest_unit(units, currency) == Decimal(amount)


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        to_smallest_unit(20.5, "usd")  # type: ignore[arg-type]
