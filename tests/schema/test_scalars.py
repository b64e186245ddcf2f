"""Decimal, DateTime and enum scalars: what the API accepts, refuses and prints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
import strawberry

from paymentgraph.schema.scalars import parse_datetime, parse_decimal, serialize_datetime, serialize_decimal

# Only the argument coercion matters here: refused values never reach a resolver or the database.
QUERY = "query($amount: Decimal) { paymentCollections(filter: {amount: {eq: $amount}}) { count } }"


async def _errors(schema: strawberry.Schema, query: str, **variables: Any) -> list[str]:
    result = await schema.execute(query, variable_values=variables or None)
    return [e.message for e in result.errors or ()]


@pytest.mark.parametrize(
    "value", ["NaN", "Infinity", "-Infinity", "abc", "1e3", "", " 1", "1.", ".5", 1.5, True]
)
async def test_decimal_variables_refuse_non_plain_numbers(schema: strawberry.Schema, value: object) -> None:
    errors = await _errors(schema, QUERY, amount=value)
    assert errors, f"{value!r} was accepted"
    assert "Decimal" in errors[0]


@pytest.mark.parametrize("literal", ["1.5", '"NaN"', '"Infinity"', '"abc"', '"1e3"', "true"])
async def test_decimal_literals_refuse_floats_and_non_numbers(
    schema: strawberry.Schema, literal: str
) -> None:
    query = "{ paymentCollections(filter: {amount: {eq: LITERAL}}) { count } }".replace("LITERAL", literal)
    errors = await _errors(schema, query)
    assert errors, f"{literal} was accepted"


def test_decimal_accepts_strings_and_integers_exactly() -> None:
    assert parse_decimal("40.00") == Decimal("40.00")
    assert str(parse_decimal("40.00")) == "40.00"
    assert parse_decimal(40) == Decimal(40)
    assert parse_decimal("-0.10") == Decimal("-0.10")
    assert str(parse_decimal("-0.00")) == "0.00"  # no negative zero
    # A JSON number with a fraction or an exponent arrives as a float, its text lost: 40.0, 1e3, 0.1.
    for value in (40.0, 1e3, 0.1, "1e3", "\u0661\u0660", " 4", "4_0"):
        with pytest.raises(ValueError):
            parse_decimal(value)


def test_decimal_serializes_as_stored() -> None:
    assert serialize_decimal(Decimal("40.00")) == "40.00"
    assert serialize_decimal(Decimal("500")) == "500"
    assert serialize_decimal(Decimal("1E+3")) == "1000"  # never exponent notation


def test_datetime_is_iso_8601_in_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert serialize_datetime(datetime(2026, 1, 1, 14, 0, tzinfo=plus_two)) == "2026-01-01T12:00:00+00:00"
    assert serialize_datetime(datetime(2026, 1, 1, 12, 0)) == "2026-01-01T12:00:00+00:00"
    assert parse_datetime("2026-01-01T12:00:00Z") == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_datetime("2026-01-01T14:00:00+02:00").tzinfo is UTC
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_datetime("yesterday")


async def test_enum_filters_take_upper_case_names(schema: strawberry.Schema) -> None:
    errors = await _errors(schema, "{ paymentCollections(filter: {status: {eq: authorized}}) { count } }")
    assert errors and "PaymentCollectionStatus" in errors[0]


async def test_take_above_the_cap_is_refused_with_the_limit(schema: strawberry.Schema) -> None:
    result = await schema.execute("{ paymentCollections(take: 1001) { count } }")
    assert result.errors
    error = result.errors[0]
    assert "1000" in error.message
    assert error.extensions == {"code": "QUERY_TOO_COMPLEX", "limit": "take", "max": 1000}


async def test_nested_take_above_the_cap_is_refused(schema: strawberry.Schema) -> None:
    result = await schema.execute('{ paymentCollection(id: "x") { payments(take: 5000) { id } } }')
    assert result.errors
    assert result.errors[0].extensions and result.errors[0].extensions["code"] == "QUERY_TOO_COMPLEX"
    assert "PaymentCollection.payments" in result.errors[0].message
