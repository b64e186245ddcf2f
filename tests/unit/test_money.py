"""The money rules every amount goes through (pure functions, no database)."""

from decimal import Decimal

import pytest

from paymentgraph.errors import ErrorCode, InvalidData
from paymentgraph.money import minor_units, normalize_currency, parse_amount


@pytest.mark.parametrize(
    ("currency", "value", "expected"),
    [
        ("usd", "40", "40.00"),
        ("USD", "40.1", "40.10"),
        ("usd", 7, "7.00"),
        ("jpy", "500", "500"),
        ("kwd", "5.125", "5.125"),
        ("kwd", Decimal("1.1"), "1.100"),
        ("usd", "0", "0.00"),
        ("usd", "1000000000000000", "1000000000000000.00"),
    ],
)
def test_amounts_are_quantized_to_the_minor_unit(currency: str, value: object, expected: str) -> None:
    assert str(parse_amount(value, currency)) == expected


@pytest.mark.parametrize(
    ("currency", "value"),
    [
        ("usd", "1.005"),
        ("jpy", "1.5"),
        ("kwd", "0.0001"),
        ("usd", "-1"),
        ("usd", "NaN"),
        ("usd", "Infinity"),
        ("usd", "1000000000000000.01"),
        ("usd", 1.5),
        ("usd", "abc"),
        ("usd", None),
        ("usd", True),
        ("usd", "\u0661\u0660"),
        ("usd", "1e3"),
        ("usd", "1_0"),
        ("usd", " 1"),
    ],
)
def test_bad_amounts_are_refused_with_invalid_data(currency: str, value: object) -> None:
    with pytest.raises(InvalidData) as caught:
        parse_amount(value, currency, field="amount")
    assert caught.value.code is ErrorCode.INVALID_DATA
    assert caught.value.details.get("field") == "amount"


def test_zero_is_refused_where_an_amount_must_be_positive() -> None:
    with pytest.raises(InvalidData, match="greater than 0"):
        parse_amount("0", "usd", positive=True)


def test_currency_codes_are_iso_4217_and_stored_lower_case() -> None:
    assert normalize_currency(" EUR ") == "eur"
    assert (minor_units("usd"), minor_units("JPY"), minor_units("kwd"), minor_units("clf")) == (2, 0, 3, 4)
    for bad in ("XYZ", "", "us", None, 840):
        with pytest.raises(InvalidData):
            normalize_currency(bad)
