"""Money storage on SQLite: exact text that sorts and compares numerically."""

from decimal import Decimal

from paymentgraph.db.ids import new_id
from paymentgraph.db.types import encode_sqlite_money


def test_sqlite_money_encoding_sorts_in_numeric_order() -> None:
    values = [Decimal(v) for v in ("0.00", "0.5", "1", "9.99", "10.00", "100", "1000000000000000.00")]
    encoded = [encode_sqlite_money(v) for v in values]
    assert encoded == sorted(encoded)
    assert [Decimal(e) for e in encoded] == values
    assert str(Decimal(encode_sqlite_money(Decimal("40.00")))) == "40.00"


def test_ids_carry_the_prefix_and_a_ulid() -> None:
    first, second = new_id("pay_col"), new_id("pay_col")
    assert first.startswith("pay_col_") and len(first) == len("pay_col_") + 26
    assert first != second
