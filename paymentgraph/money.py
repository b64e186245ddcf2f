"""Exact money: ISO 4217 currencies and their minor units, parsing and quantize-or-reject.

Amounts are ``decimal.Decimal`` in major units (dollars, not cents) everywhere. An amount is quantized
to its currency's minor unit on the way in ("40" USD becomes 40.00); an amount finer than the minor
unit is refused rather than rounded, because rounding money silently is how ledgers drift.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from paymentgraph.errors import InvalidData

# ISO 4217 active currencies by minor-unit exponent; everything not listed under 0, 3 or 4 uses 2.
_EXPONENT_0 = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_EXPONENT_3 = "BHD IQD JOD KWD LYD OMR TND"
_EXPONENT_4 = "CLF UYW"
_EXPONENT_2 = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD "
    "CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL "
    "GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD "
    "LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN "
    "PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL "
    "THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL"
)

MINOR_UNITS: dict[str, int] = {
    **{code.lower(): 2 for code in _EXPONENT_2.split()},
    **{code.lower(): 0 for code in _EXPONENT_0.split()},
    **{code.lower(): 3 for code in _EXPONENT_3.split()},
    **{code.lower(): 4 for code in _EXPONENT_4.split()},
}

# 10^15 major units: far above any real payment, and within exact NUMERIC and int64 minor units.
MAX_AMOUNT = Decimal(10) ** 15
ZERO = Decimal(0)

# The one written form of an amount: ASCII digits, an optional "-" and fraction. ``Decimal()`` alone
# would also take "1e3", "1_000", "+5", " 5 " and the digits of other scripts (Arabic-Indic ten), each
# a different way of writing a number that a ledger, a log search or a provider's API may read apart.
PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def parse_plain_decimal(text: str) -> Decimal | None:
    """The Decimal a plain ASCII decimal string spells, or None when it is written any other way."""
    if not PLAIN_DECIMAL.fullmatch(text):
        return None
    value = Decimal(text)
    return value.copy_abs() if value.is_zero() else value  # "-0.00" is "0.00": no negative zero


def normalize_currency(code: object, *, field: str = "currency_code") -> str:
    """Validate an ISO 4217 code in any case and return it lower-case (``"USD"`` -> ``"usd"``)."""
    if not isinstance(code, str) or not code.strip():
        raise InvalidData(f"{field} is required and must be an ISO 4217 currency code", field=field)
    lowered = code.strip().lower()
    if lowered not in MINOR_UNITS:
        raise InvalidData(f"{field} {code!r} is not an ISO 4217 currency code", field=field)
    return lowered


def minor_units(currency: str) -> int:
    """The number of decimal places of a currency's minor unit (USD 2, JPY 0, KWD 3)."""
    return MINOR_UNITS[normalize_currency(currency)]


@lru_cache(maxsize=1024)  # a few hundred currencies, each in a few spellings; read for every amount served
def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """Turn an int, a plain ASCII decimal string or a Decimal into a finite Decimal; floats are refused."""
    if isinstance(value, bool) or value is None:
        raise InvalidData(f"{field} must be a decimal number", field=field)
    if isinstance(value, float):
        # A float has already lost the exact value the caller meant; make them say it exactly.
        raise InvalidData(
            f"{field} must be a Decimal, an integer or a decimal string, not a float", field=field
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        parsed = parse_plain_decimal(value)
        if parsed is None:
            raise InvalidData(
                f'{field} {value!r} is not a plain decimal number: write it like "40.00" (ASCII digits, '
                "no exponent, spaces or signs other than a leading minus)",
                field=field,
            )
        result = parsed
    else:
        raise InvalidData(f"{field} must be a decimal number", field=field)
    if not result.is_finite():
        raise InvalidData(f"{field} must be a finite number, got {value!r}", field=field)
    return result.copy_abs() if result.is_zero() else result


def parse_amount(value: object, currency: str, *, field: str = "amount", positive: bool = False) -> Decimal:
    """Validate an amount for ``currency`` and return it quantized to the currency's minor unit.

    Refuses (INVALID_DATA) negatives, zero when ``positive``, non-finite values, values above 10^15
    and values finer than the minor unit (1.005 USD, 1.5 JPY).
    """
    amount = to_decimal(value, field=field)
    if amount < 0:
        raise InvalidData(f"{field} must not be negative, got {amount}", field=field)
    if positive and amount == 0:
        raise InvalidData(f"{field} must be greater than 0", field=field)
    if amount > MAX_AMOUNT:
        raise InvalidData(f"{field} {amount} is larger than the maximum of 10^15", field=field)
    step = quantum(currency)
    quantized = amount.quantize(step)
    if quantized != amount:
        raise InvalidData(
            f"{field} {amount} is finer than the minor unit of {currency.upper()} "
            f"({minor_units(currency)} decimal places)",
            field=field,
        )
    return quantized


def amount_text(amount: Decimal) -> str:
    """An amount as the API writes it: plain notation with its stored places ("40.00", never "4.0E+1")."""
    if type(amount) is not Decimal:
        raise TypeError(f"an amount is a Decimal, got {amount!r}")
    return format(amount, "f")


def format_amount(amount: Decimal, currency: str) -> Decimal:
    """Re-quantize an exact stored amount to its currency (sums of quantized values stay exact)."""
    return amount.quantize(quantum(currency))
