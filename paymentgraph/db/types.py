"""Column types that keep money exact and timestamps in UTC on both PostgreSQL and SQLite.

PostgreSQL stores money as NUMERIC (exact, keeps the scale: 40.00 stays "40.00"). SQLite has no exact
decimal type, and its NUMERIC affinity turns 0.1 into a binary float, so money is stored there as text:
the integer part zero-padded to 16 digits, then ".", then the fraction digits exactly as written
(``0000000000000040.00``, ``0000000000000500.``). Fixed-width integer parts make the text sort in
numeric order; comparisons go through :func:`comparable`, which strips trailing fraction zeros so that
40 and 40.00 compare equal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BindParameter,
    DateTime,
    Integer,
    Numeric,
    String,
    bindparam,
    literal,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine

_INTEGER_DIGITS = 16


def encode_sqlite_money(value: Decimal) -> str:
    if value < 0:
        raise ValueError(f"stored amounts are never negative, got {value}")
    text = format(value, "f")
    integer, _, fraction = text.partition(".")
    return f"{integer.zfill(_INTEGER_DIGITS)}.{fraction}"


def _money_key(value: Decimal) -> str:
    """The comparison key of an amount on SQLite: the encoding without trailing fraction zeros."""
    return encode_sqlite_money(value).rstrip("0").rstrip(".")


class _ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal as NUMERIC on PostgreSQL and as text on SQLite, encoded by ``_encode_sqlite``."""

    impl = Numeric
    cache_ok = True

    @staticmethod
    def _encode_sqlite(value: Decimal) -> str:
        raise NotImplementedError

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
        return self._encode_sqlite(amount) if dialect.name == "sqlite" else amount


class Money(_ExactDecimal):
    """An exact, non-negative decimal amount in major units."""

    cache_ok = True
    # On PostgreSQL asyncpg's own value is already what process_result_value returns (db/native.py).
    asyncpg_value_is_final = True
    _encode_sqlite = staticmethod(encode_sqlite_money)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value) if isinstance(value, str) else value

    def compare_values(self, x: Any, y: Any) -> bool:
        # 27.00 and 27 are equal numbers but different stored amounts: a currency change (USD to JPY)
        # re-scales the amount, and the ORM must not skip that write as "unchanged".
        if isinstance(x, Decimal) and isinstance(y, Decimal):
            return x == y and x.as_tuple().exponent == y.as_tuple().exponent
        return bool(x == y)


class MoneyKey(_ExactDecimal):
    """Bind type for a value compared against a :class:`Money` column (see :func:`comparable`)."""

    cache_ok = True
    _encode_sqlite = staticmethod(_money_key)


class _money_key_expr(FunctionElement[Any]):
    inherit_cache = True
    name = "money_key"


@compiles(_money_key_expr)
def _compile_money_key_default(element: _money_key_expr, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(next(iter(element.clauses)), **kw))


@compiles(_money_key_expr, "sqlite")
def _compile_money_key_sqlite(element: _money_key_expr, compiler: Any, **kw: Any) -> str:
    inner = compiler.process(next(iter(element.clauses)), **kw)
    return f"rtrim(rtrim({inner}, '0'), '.')"


def is_money(column: ColumnElement[Any]) -> bool:
    return isinstance(column.type, Money)


def comparable(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The expression to compare or filter a column by (money needs a key on SQLite)."""
    return _money_key_expr(column) if is_money(column) else column


def comparable_value(column: ColumnElement[Any], value: Any) -> ColumnElement[Any]:
    """A bound value to compare with :func:`comparable` of ``column``."""
    if is_money(column):
        return literal(value, MoneyKey())
    return literal(value, column.type)


def comparable_param(column: ColumnElement[Any], name: str, *, expanding: bool = False) -> BindParameter[Any]:
    """A named parameter to compare with :func:`comparable` of ``column``, its value given at execution
    (``expanding``: a list, for IN), so one statement serves every value."""
    return bindparam(name, type_=MoneyKey() if is_money(column) else column.type, expanding=expanding)


# Sums and differences of amounts (computed fields) on SQLite are integers of 10^-4 units: 4 is the finest
# minor unit of any currency (CLF, UYW), so every stored amount is a whole number of them. SQLite's SUM
# of integers is exact and raises on overflow; an overflowing product turns into a float, which
# :class:`SignedAmount` refuses, so a result is exact or an error, never rounded (|x| < 9.2 * 10^14).
_SUM_DIGITS = 4


class _exact_amount_expr(FunctionElement[Any]):
    inherit_cache = True
    name = "exact_amount"


@compiles(_exact_amount_expr)
def _compile_exact_amount_default(element: _exact_amount_expr, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(next(iter(element.clauses)), **kw))


@compiles(_exact_amount_expr, "sqlite")
def _compile_exact_amount_sqlite(element: _exact_amount_expr, compiler: Any, **kw: Any) -> str:
    inner = compiler.process(next(iter(element.clauses)), **kw)
    integer = f"CAST(substr({inner}, 1, {_INTEGER_DIGITS}) AS INTEGER)"
    zeros = "0" * _SUM_DIGITS
    fraction = (
        f"CAST(substr(substr({inner}, {_INTEGER_DIGITS + 2}) || '{zeros}', 1, {_SUM_DIGITS}) AS INTEGER)"
    )
    return f"({integer} * {10**_SUM_DIGITS} + {fraction})"


def exact_amount(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A :class:`Money` column as a value SQL may add and subtract exactly (type :class:`SignedAmount`).

    PostgreSQL: the NUMERIC itself. SQLite: the stored text as an integer of 10^-4 units.
    """
    return type_coerce(_exact_amount_expr(column), SignedAmount())


class SignedAmount(TypeDecorator[Decimal]):
    """The type of sums and differences of amounts (may be negative): see :func:`exact_amount`.

    Compared as it is (no key needed): NUMERIC on PostgreSQL, integers of 10^-4 units on SQLite.
    """

    impl = Numeric
    cache_ok = True
    # On PostgreSQL asyncpg's own value is already what process_result_value returns (db/native.py).
    asyncpg_value_is_final = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Integer())
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
        if dialect.name != "sqlite":
            return amount
        units = amount.scaleb(_SUM_DIGITS)
        if units != units.to_integral_value():
            raise ValueError(f"{amount} is finer than 10^-{_SUM_DIGITS}, the finest minor unit")
        return int(units)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            if not isinstance(value, int):
                raise OverflowError(f"an amount sum left SQLite's exact integer range: {value!r}")
            return Decimal(value).scaleb(-_SUM_DIGITS)
        return value if isinstance(value, Decimal) else Decimal(str(value))


def finest_amount_digits() -> int:
    """Decimal places an amount compared with a :class:`SignedAmount` may have."""
    return _SUM_DIGITS


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite keeps naive ISO text)."""

    impl = DateTime(timezone=True)
    cache_ok = True
    # On PostgreSQL asyncpg's own value is already what process_result_value returns (db/native.py).
    asyncpg_value_is_final = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


# JSON documents: JSONB on PostgreSQL, JSON text on SQLite.
JSONType = JSON().with_variant(JSONB(), "postgresql")

__all__ = [
    "JSONType",
    "Money",
    "MoneyKey",
    "SignedAmount",
    "UTCDateTime",
    "comparable",
    "comparable_value",
    "exact_amount",
    "is_money",
    "utcnow",
]
