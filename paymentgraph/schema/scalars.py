"""The Decimal, DateTime and JSON scalars: exact money as strings, timestamps as ISO 8601 in UTC."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any, NewType

import strawberry
from graphql import FloatValueNode, IntValueNode, StringValueNode, ValueNode
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

from paymentgraph.money import amount_text, parse_plain_decimal

DecimalValue = NewType("DecimalValue", decimal.Decimal)
DateTimeValue = NewType("DateTimeValue", dt.datetime)


def serialize_decimal(value: Any) -> str:
    """The amount as stored, in plain notation ("40.00", never "4.0E+1")."""
    if isinstance(value, decimal.Decimal):
        return amount_text(value)
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"Decimal cannot represent {value!r}: expected a decimal.Decimal")


def parse_decimal(value: Any) -> decimal.Decimal:
    """A Decimal from a plain ASCII decimal string or an integer; JSON numbers with a fraction or an
    exponent are refused."""
    if isinstance(value, bool):
        raise ValueError(f"Decimal cannot represent a boolean: {value!r}")
    if isinstance(value, int):
        return decimal.Decimal(value)  # an int has no negative zero
    if isinstance(value, float):
        # The JSON text is gone by now: 1e3, 1000.0 and 999.9999999999999999 all arrive as floats, and
        # the last one is already not what the client wrote. Only a string or an integer is exact.
        raise ValueError(
            f"Decimal cannot be given as a JSON number with a fraction or an exponent ({value!r}): "
            f'send it as a string, e.g. "40.00", or as an integer'
        )
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"Decimal must be a finite number, got {value}")
        return value.copy_abs() if value.is_zero() else value
    if isinstance(value, str):
        parsed = parse_plain_decimal(value)
        if parsed is not None:
            return parsed
    raise ValueError(
        f'Decimal must be a number written as a string like "40.00" or an integer, got {value!r} '
        "(ASCII digits only: no exponents, spaces, NaN or Infinity)"
    )


def parse_decimal_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> decimal.Decimal:
    if isinstance(node, IntValueNode):
        return parse_decimal(int(node.value))
    if isinstance(node, StringValueNode):
        return parse_decimal(node.value)
    if isinstance(node, FloatValueNode):
        raise ValueError(
            f"Decimal cannot be given as a floating-point literal ({node.value}): "
            f'write it as a string, e.g. "'
            f'{node.value}"'
        )
    raise ValueError('Decimal must be a string like "40.00" or an integer')


def serialize_datetime(value: Any) -> str:
    """ISO 8601 in UTC; naive values are taken as UTC (the database stores UTC)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, str):
        return value
    raise TypeError(f"DateTime cannot represent {value!r}")


def parse_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f'DateTime must be an ISO 8601 date-time like "2026-01-31T12:00:00Z", got {value!r}'
            ) from None
    else:
        raise ValueError(f"DateTime must be an ISO 8601 string, got {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def parse_datetime_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> dt.datetime:
    if isinstance(node, StringValueNode):
        return parse_datetime(node.value)
    raise ValueError("DateTime must be an ISO 8601 string")


DECIMAL: ScalarDefinition = strawberry.scalar(
    name="Decimal",
    description='An exact decimal number, serialized as a string ("40.00"); input: a string or an integer.',
    serialize=serialize_decimal,
    parse_value=parse_decimal,
    parse_literal=parse_decimal_literal,
)

DATETIME: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description="An ISO 8601 date-time, in UTC.",
    serialize=serialize_datetime,
    parse_value=parse_datetime,
    parse_literal=parse_datetime_literal,
)

# decimal.Decimal and datetime.datetime map here too, so hand-written types (mutations) share the scalars.
SCALAR_MAP: dict[object, ScalarDefinition] = {
    DecimalValue: DECIMAL,
    DateTimeValue: DATETIME,
    decimal.Decimal: DECIMAL,
    dt.datetime: DATETIME,
}

__all__ = ["DATETIME", "DECIMAL", "JSON", "SCALAR_MAP", "DateTimeValue", "DecimalValue"]
