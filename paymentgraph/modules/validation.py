"""Input checks shared by the small commerce modules (shapes only, no module knowledge).

Every check raises :class:`InvalidData` naming the field, before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from paymentgraph.errors import InvalidData
from paymentgraph.money import MAX_AMOUNT, format_amount, parse_amount

MAX_TAKE = 1000


def mapping(data: object, what: str) -> Mapping[str, Any]:
    """``data`` as a mapping, or INVALID_DATA."""
    if not isinstance(data, Mapping):
        raise InvalidData(f"{what} must be an object, got {type(data).__name__}")
    return data


def only_keys(data: Mapping[str, Any], allowed: Iterable[str], what: str) -> None:
    """Refuse keys a caller may think are honoured but are not (a typo must not be ignored)."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise InvalidData(f"{what}: unknown field(s) {', '.join(unknown)}", fields=unknown)


def text(value: object, field: str, *, required: bool = True) -> str | None:
    """A non-blank string (stripped); None allowed when not required."""
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidData(f"{field} is required and must be a non-empty string", field=field)
    return value.strip()


def email(value: object, field: str = "email", *, required: bool = False) -> str | None:
    """A non-empty string containing "@" (None allowed when not required)."""
    if value is None and not required:
        return None
    if not isinstance(value, str) or "@" not in value or not value.strip():
        raise InvalidData(f"{field} must be an email address, got {value!r}", field=field)
    return value.strip()


def metadata(value: object) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidData("metadata must be an object", field="metadata")
    return dict(value)


def positive_int(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidData(f"{field} must be a positive integer, got {value!r}", field=field)
    return value


def one_or_many(data: object) -> tuple[bool, list[Any]]:
    """Create input: one object (dict in, DTO out) or a list of them; returns ``(single, items)``."""
    single = isinstance(data, Mapping)
    items = [data] if single else data
    if not isinstance(items, list | tuple):
        raise InvalidData("expected an object or a list of objects")
    return single, list(items)


def ids(value: object, field: str = "id") -> list[str]:
    """One id or a list of ids, as a de-duplicated list in the given order."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise InvalidData(f"{field} must be an id or a non-empty list of ids", field=field)
    for item in items:
        if not isinstance(item, str) or not item:
            raise InvalidData(f"{field} must contain only non-empty string ids", field=field)
    return list(dict.fromkeys(items))


def filters(value: object, allowed: Iterable[str]) -> dict[str, Any]:
    """Equality filters: ``{field: value}`` or ``{field: [values]}`` (IN) on ``allowed`` fields."""
    if value is None:
        return {}
    data = mapping(value, "filters")
    only_keys(data, allowed, "filters")
    return {k: list(v) if isinstance(v, list | tuple) else v for k, v in data.items()}


def page(skip: object, take: object) -> tuple[int, int | None]:
    if isinstance(skip, bool) or not isinstance(skip, int) or skip < 0:
        raise InvalidData("skip must be a non-negative integer", field="skip")
    if take is not None and (
        isinstance(take, bool) or not isinstance(take, int) or not 0 <= take <= MAX_TAKE
    ):
        raise InvalidData(f"take must be an integer from 0 to {MAX_TAKE}", field="take")
    return skip, take


@dataclass(frozen=True)
class LineItemInput:
    """A validated line item: ``total`` is quantity times unit price, exact in the currency."""

    title: str
    quantity: int
    unit_price: Decimal
    total: Decimal


def line_items(value: object, currency: str, field: str = "items") -> list[LineItemInput]:
    """``[{title, quantity, unit_price}]`` checked against ``currency`` (unit_price may be 0)."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise InvalidData(f"{field} must be a list of line items", field=field)
    result = []
    for index, raw in enumerate(value):
        where = f"{field}[{index}]"
        item = mapping(raw, where)
        only_keys(item, ("title", "quantity", "unit_price"), where)
        quantity = positive_int(item.get("quantity"), f"{where}.quantity")
        unit_price = parse_amount(item.get("unit_price"), currency, field=f"{where}.unit_price")
        total = format_amount(unit_price * quantity, currency)
        if total > MAX_AMOUNT:
            raise InvalidData(f"{where} total {total} is larger than the maximum of 10^15", field=where)
        result.append(
            LineItemInput(text(item.get("title"), f"{where}.title") or "", quantity, unit_price, total)
        )
    return result


def sum_totals(totals: Iterable[Decimal], currency: str) -> Decimal:
    """The exact sum of item totals, quantized to the currency; refused above 10^15."""
    total = format_amount(sum(totals, Decimal(0)), currency)
    if total > MAX_AMOUNT:
        raise InvalidData(f"total {total} is larger than the maximum of 10^15", field="total")
    return total
