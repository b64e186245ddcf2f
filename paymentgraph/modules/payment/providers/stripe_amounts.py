"""Amounts at the Stripe boundary: exact Decimals in major units <-> Stripe's integer smallest unit.

Stripe's own currency rules (docs.stripe.com/currencies), as Medusa's Stripe provider applies them:
zero-decimal currencies are sent as is, three-decimal currencies in thousandths with the last digit
0, and every other currency in hundredths (which also covers ISK, which Stripe still takes with two
decimals).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)
THREE_DECIMAL = frozenset(["bhd", "iqd", "jod", "kwd", "omr", "tnd"])


def stripe_exponent(currency: str) -> int:
    """How many decimal places Stripe's smallest unit has for ``currency`` (JPY 0, KWD 3, USD 2)."""
    code = currency.lower()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def to_smallest_unit(amount: Decimal, currency: str) -> int:
    """``amount`` in Stripe's smallest unit, rounded half-up (three-decimal: up to a multiple of 10)."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"amount must be a Decimal, not {type(amount).__name__}")
    exponent = stripe_exponent(currency)
    units = amount.scaleb(exponent).to_integral_value(rounding=ROUND_HALF_UP)
    if exponent == 3:
        # Stripe requires the last digit of three-decimal amounts to be 0.
        units = (units / 10).to_integral_value(rounding=ROUND_CEILING) * 10
    return int(units)


def from_smallest_unit(units: int, currency: str) -> Decimal:
    """Stripe's integer ``units`` back in major units, exactly (5130 KWD thousandths -> 5.130)."""
    if isinstance(units, bool) or not isinstance(units, int):
        raise TypeError(f"Stripe amounts are integers, not {type(units).__name__}")
    return Decimal(units).scaleb(-stripe_exponent(currency))
